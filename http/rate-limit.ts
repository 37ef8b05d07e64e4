/**
 * Per-caller rate limits, shared by the model server and the alert receiver: a token bucket per
 * caller, refilled continuously; a caller whose bucket is empty gets 429 with Retry-After. A caller
 * is its bearer token when the request carries one the server accepts (so clients behind one
 * address keep their own budgets), else its IP: an unknown token buys no fresh bucket.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseDuration } from '../contracts/duration.js';
import { bearerMatches, bearerToken, sha256 } from './bearer.js';

export interface RateLimit {
  /** Requests one caller may make per window; also the largest burst. */
  max: number;
  /** The window, in milliseconds. */
  windowMs: number;
}

export type Taken = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/** Token buckets by caller key. Memory is bounded: past `maxCallers`, full (idle) buckets go first, then the oldest. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
    private readonly maxCallers = 10_000,
  ) {
    if (!(Number.isInteger(limit.max) && limit.max > 0)) throw new RangeError(`rate limit max is ${limit.max}; expected a positive integer`);
    if (!(limit.windowMs > 0)) throw new RangeError(`rate limit window is ${limit.windowMs} ms; expected more than 0`);
    this.perMs = limit.max / limit.windowMs;
  }

  /** Takes one request's token from the caller's bucket, or says how long until one is there. */
  take(key: string): Taken {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? this.added(key, now);
    bucket.tokens = Math.min(this.limit.max, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  get callers(): number {
    return this.buckets.size;
  }

  private added(key: string, now: number): { tokens: number; at: number } {
    if (this.buckets.size >= this.maxCallers) this.evict(now);
    const bucket = { tokens: this.limit.max, at: now };
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Drops buckets that have refilled (forgetting them changes nothing), then the oldest, down to 90% of the cap. */
  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.tokens + (now - bucket.at) * this.perMs >= this.limit.max) this.buckets.delete(key);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxCallers * 0.9) break;
      this.buckets.delete(key);
    }
  }
}

/** Who a request counts against: `token:<digest>` for a bearer token among `tokens`, else `ip:<address>`. */
export function callerKey(request: FastifyRequest, tokens: readonly string[]): string {
  const { authorization } = request.headers;
  if (tokens.length > 0 && bearerMatches(authorization, tokens)) return `token:${sha256(bearerToken(authorization) ?? '').toString('hex').slice(0, 32)}`;
  return `ip:${request.ip}`;
}

/**
 * An onRequest hook for the routes to limit; a no-op when `limit` is false. It runs before the
 * body is read, so a caller over its limit costs neither parsing nor authentication.
 */
export function rateLimitHook(limit: RateLimit | false, tokens: readonly string[] = []) {
  const buckets = limit === false ? undefined : new TokenBuckets(limit);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!buckets) return undefined;
    const taken = buckets.take(callerKey(request, tokens));
    void reply.header('x-ratelimit-limit', buckets.limit.max);
    if (taken.ok) {
      void reply.header('x-ratelimit-remaining', taken.remaining);
      return undefined;
    }
    void reply.header('x-ratelimit-remaining', 0).header('retry-after', taken.retryAfterSeconds);
    void reply.code(429).send({
      error: 'rate_limited',
      message: `more than ${buckets.limit.max} requests in ${buckets.limit.windowMs / 1000} s from this caller; retry after ${taken.retryAfterSeconds} s`,
    });
    // Fastify's way to answer early from an async hook.
    return reply;
  };
}

/**
 * A rate limit from `<prefix>_RATE_LIMIT` (requests per window; 0 turns limiting off) and
 * `<prefix>_RATE_WINDOW` (a duration such as '1 minute'), each falling back to `defaults`.
 */
export function rateLimitFromEnv(env: NodeJS.ProcessEnv, prefix: string, defaults: RateLimit): RateLimit | false {
  const maxText = env[`${prefix}_RATE_LIMIT`]?.trim();
  const windowText = env[`${prefix}_RATE_WINDOW`]?.trim();
  const max = maxText ? Number(maxText) : defaults.max;
  if (!(Number.isInteger(max) && max >= 0)) throw new RangeError(`${prefix}_RATE_LIMIT is "${maxText}"; expected a whole number of requests (0 turns the limit off)`);
  if (max === 0) return false;
  let windowMs = defaults.windowMs;
  if (windowText) {
    try {
      windowMs = parseDuration(windowText);
    } catch (error) {
      throw new RangeError(`${prefix}_RATE_WINDOW: ${(error as Error).message}`);
    }
  }
  return { max, windowMs };
}
