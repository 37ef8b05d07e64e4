/** Who may signal: a bearer token, or an HMAC-SHA256 signature of the raw body. Every compare is constant-time. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { bearerMatches } from '../http/bearer.js';
import { secretFromEnv, secretListFromEnv } from '../infra/secrets.js';

/** The credentials the receiver accepts; at least one kind must be configured. */
export interface AlertAuth {
  /** Any of these in `Authorization: Bearer <token>`. Empty strings are ignored. */
  bearerTokens?: readonly string[];
  /** Key of the `X-Ctrain-Signature: sha256=<hex>` HMAC over the raw request body. */
  hmacSecret?: string;
}

/** Request header carrying the body's HMAC, as `sha256=<64 hex digits>`. */
export const SIGNATURE_HEADER = 'x-ctrain-signature';

/** The receiver was configured so that it cannot start (no credentials, and unauthenticated use not asked for). */
export class AlertReceiverConfigError extends Error {
  override name = 'AlertReceiverConfigError';
}

export type AuthResult = { ok: true; via: 'bearer' | 'hmac' | 'none' } | { ok: false; reason: 'missing' | 'invalid' };

/** Drops empty tokens and secrets; refuses a receiver with no credentials unless `allowUnauthenticated` is true. */
export function checkAuthConfig(auth: AlertAuth, allowUnauthenticated = false): AlertAuth {
  const bearerTokens = (auth.bearerTokens ?? []).map((token) => token.trim()).filter((token) => token !== '');
  const hmacSecret = auth.hmacSecret === '' ? undefined : auth.hmacSecret;
  if (bearerTokens.length === 0 && hmacSecret === undefined && !allowUnauthenticated) {
    throw new AlertReceiverConfigError(
      'the alert receiver needs credentials: set CTRAIN_ALERT_TOKENS (comma-separated bearer tokens) or CTRAIN_ALERT_HMAC_SECRET (or CTRAIN_ALERT_TOKENS_FILE / CTRAIN_ALERT_HMAC_SECRET_FILE naming a file), or pass allowUnauthenticated: true to accept anyone who can reach it',
    );
  }
  return { bearerTokens, hmacSecret };
}

/**
 * Tokens from CTRAIN_ALERT_TOKENS (comma-separated) and CTRAIN_ALERT_TOKENS_FILE (one per line);
 * the secret from CTRAIN_ALERT_HMAC_SECRET or CTRAIN_ALERT_HMAC_SECRET_FILE.
 */
export function authFromEnv(env: NodeJS.ProcessEnv = process.env): AlertAuth {
  return { bearerTokens: secretListFromEnv(env, 'CTRAIN_ALERT_TOKENS'), hmacSecret: secretFromEnv(env, 'CTRAIN_ALERT_HMAC_SECRET') };
}

/** `sha256=<hex>` for a body: what a sender puts in {@link SIGNATURE_HEADER}. */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `header` is `sha256=<hex>` and the hex is the body's HMAC under `secret`. */
export function signatureMatches(body: Buffer, header: unknown, secret: string): boolean {
  const match = typeof header === 'string' ? /^sha256=([0-9a-f]{64})$/i.exec(header.trim()) : null;
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(match[1], 'hex'), expected);
}

/** Checks a request's credentials against the configured ones. */
export function authenticate(headers: Record<string, unknown>, body: Buffer, auth: AlertAuth): AuthResult {
  const tokens = auth.bearerTokens ?? [];
  if (tokens.length === 0 && auth.hmacSecret === undefined) return { ok: true, via: 'none' };
  const { authorization } = headers;
  const signature = headers[SIGNATURE_HEADER];
  if (tokens.length > 0 && bearerMatches(authorization, tokens)) return { ok: true, via: 'bearer' };
  if (auth.hmacSecret !== undefined && signatureMatches(body, signature, auth.hmacSecret)) return { ok: true, via: 'hmac' };
  return { ok: false, reason: authorization === undefined && signature === undefined ? 'missing' : 'invalid' };
}
