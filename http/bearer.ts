/** `Authorization: Bearer <token>` checks, shared by the model server and the alert receiver. */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The token of a `Bearer <token>` header (scheme in any case), or undefined. */
export function bearerToken(header: unknown): string | undefined {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * True when `header` carries one of `tokens`. Tokens are compared as sha256 digests (equal length
 * whatever was sent) and every one is compared, so the time taken tells nothing about any of them.
 */
export function bearerMatches(header: unknown, tokens: readonly string[]): boolean {
  const offered = bearerToken(header);
  if (offered === undefined) return false;
  const digest = sha256(offered);
  let found = false;
  for (const token of tokens) found = timingSafeEqual(digest, sha256(token)) || found;
  return found;
}

/** sha256 of a token: what is compared, and what may stand for it (in a rate-limit key) without holding it. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
