import { describe, expect, it } from 'vitest';
import { TokenBuckets, rateLimitFromEnv } from '../../http/rate-limit.js';

/** A clock the test moves by hand: nothing here depends on how fast it runs. */
function manualClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('the per-caller token bucket', () => {
  it('lets a caller burst up to max, then refuses with the seconds until a token is back, and refills over the window', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ max: 3, windowMs: 60_000 }, clock.now);
    expect([1, 2, 3].map(() => buckets.take('ip:1'))).toEqual([
      { ok: true, remaining: 2 },
      { ok: true, remaining: 1 },
      { ok: true, remaining: 0 },
    ]);
    expect(buckets.take('ip:1')).toEqual({ ok: false, retryAfterSeconds: 20 });
    // Another caller has its own bucket.
    expect(buckets.take('ip:2')).toEqual({ ok: true, remaining: 2 });

    clock.advance(19_000);
    expect(buckets.take('ip:1')).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.advance(1_000);
    expect(buckets.take('ip:1')).toEqual({ ok: true, remaining: 0 });
    clock.advance(600_000);
    expect(buckets.take('ip:1')).toEqual({ ok: true, remaining: 2 });
  });

  it('holds at most maxCallers buckets, forgetting refilled ones first', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ max: 2, windowMs: 1_000 }, clock.now, 10);
    for (let i = 0; i < 10; i++) buckets.take(`ip:${i}`);
    clock.advance(1_000);
    buckets.take('ip:busy');
    buckets.take('ip:busy');
    expect(buckets.callers).toBeLessThanOrEqual(10);
    // The busy caller was added after the sweep and keeps its (empty) bucket.
    expect(buckets.take('ip:busy')).toMatchObject({ ok: false });
    for (let i = 0; i < 100; i++) buckets.take(`ip:new-${i}`);
    expect(buckets.callers).toBeLessThanOrEqual(10);
  });

  it('refuses a limit that is no positive whole number or window', () => {
    expect(() => new TokenBuckets({ max: 0, windowMs: 1000 })).toThrow(RangeError);
    expect(() => new TokenBuckets({ max: 1.5, windowMs: 1000 })).toThrow(RangeError);
    expect(() => new TokenBuckets({ max: 1, windowMs: 0 })).toThrow(RangeError);
  });
});

describe('rate limits from the environment', () => {
  const defaults = { max: 600, windowMs: 60_000 };

  it('reads <prefix>_RATE_LIMIT and <prefix>_RATE_WINDOW, falls back to the defaults, and turns off at 0', () => {
    expect(rateLimitFromEnv({}, 'CTRAIN_ALERT', defaults)).toEqual(defaults);
    expect(rateLimitFromEnv({ CTRAIN_ALERT_RATE_LIMIT: '30' }, 'CTRAIN_ALERT', defaults)).toEqual({ max: 30, windowMs: 60_000 });
    expect(rateLimitFromEnv({ CTRAIN_ALERT_RATE_WINDOW: '1 hour' }, 'CTRAIN_ALERT', defaults)).toEqual({ max: 600, windowMs: 3_600_000 });
    expect(rateLimitFromEnv({ CTRAIN_ALERT_RATE_LIMIT: '0' }, 'CTRAIN_ALERT', defaults)).toBe(false);
  });

  it('names the variable when a value cannot be read', () => {
    expect(() => rateLimitFromEnv({ CTRAIN_ALERT_RATE_LIMIT: 'lots' }, 'CTRAIN_ALERT', defaults)).toThrow(/^CTRAIN_ALERT_RATE_LIMIT is "lots"/);
    expect(() => rateLimitFromEnv({ CTRAIN_SERVE_RATE_WINDOW: 'soon' }, 'CTRAIN_SERVE', defaults)).toThrow(/^CTRAIN_SERVE_RATE_WINDOW: "soon" is not a duration/);
  });
});
