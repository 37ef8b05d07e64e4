import { describe, expect, it } from 'vitest';
import type { LiveStats } from '../../contracts/model.js';
import { decideCanary } from '../../model/canary-decision.js';

/** Live stats of a binary model with `errors` misclassified out of `outcomes`. */
function live(version: number, outcomes: number, errors: number, latency: { p50: number; p95: number }): LiveStats {
  const rate = errors / outcomes;
  return {
    version,
    predictions: outcomes,
    outcomes,
    liveError: rate,
    liveErrorStd: Math.sqrt((rate * (1 - rate) * outcomes) / (outcomes - 1)),
    p50LatencyMs: latency.p50,
    p95LatencyMs: latency.p95,
  };
}

const quick = { p50: 3, p95: 8 };

describe('the canary decision', () => {
  it('promotes a canary whose error matches production', () => {
    const decision = decideCanary({ canary: live(2, 150, 30, quick), production: live(1, 150, 30, quick), tolerance: 0.02 });
    expect(decision.promote).toBe(true);
    // Equal errors sit the tolerance below the line a rollback must cross: p ≈ 0.67, not 0.5.
    expect(decision.liveErrorPValue).toBeCloseTo(0.667, 2);
    expect(decision.reason).toMatch(/held up over 150 requests/);
  });

  it('rolls back a canary that is wrong far more often, with the p-value in the reason', () => {
    const decision = decideCanary({ canary: live(2, 150, 75, quick), production: live(1, 150, 30, quick), tolerance: 0.02 });
    expect(decision.promote).toBe(false);
    expect(decision.liveErrorPValue).toBeLessThan(1e-6);
    expect(decision.reason).toMatch(/^live error 0.5 of canary v2 is worse than production's 0.2/);
  });

  it('does not roll back on a worse error that chance explains', () => {
    // 0.25 vs 0.2 over 150 outcomes each: z ≈ 1.03, p ≈ 0.15.
    const decision = decideCanary({ canary: live(2, 150, 37.5, quick), production: live(1, 150, 30, quick), tolerance: 0.02 });
    expect(decision.liveErrorPValue).toBeGreaterThan(0.1);
    expect(decision.promote).toBe(true);
  });

  it('does not roll back when the error is over the tolerance but chance explains the margin', () => {
    // Seen on equal models over 300 randomly split outcomes: 21/160 vs 10/140 is p ≈ 0.04 against
    // zero, yet p ≈ 0.12 against the 0.02 the canary is allowed.
    const decision = decideCanary({ canary: live(2, 160, 21, quick), production: live(1, 140, 10, quick), tolerance: 0.02 });
    expect(decision.liveErrorPValue).toBeGreaterThan(0.1);
    expect(decision.liveErrorPValue).toBeLessThan(0.15);
    expect(decision.promote).toBe(true);
  });

  it('rolls back when even the tolerance leaves the worse error unexplained by chance', () => {
    // 0.3 vs 0.2 over 400 outcomes each: (0.1 - 0.02) / 0.0306 ≈ 2.6 standard errors.
    const decision = decideCanary({ canary: live(2, 400, 120, quick), production: live(1, 400, 80, quick), tolerance: 0.02 });
    expect(decision.liveErrorPValue).toBeLessThan(0.01);
    expect(decision.promote).toBe(false);
  });

  it('does not roll back on a noisy latency tail when the median is the same', () => {
    // A load spike on the host landed on the canary's share of requests: its p95 is far off, its median is not.
    const decision = decideCanary({ canary: live(2, 150, 30, { p50: 3, p95: 140 }), production: live(1, 150, 30, quick), tolerance: 0.02 });
    expect(decision.promote).toBe(true);
  });

  it('rolls back a canary whose median latency is over twice production’s plus slack', () => {
    const decision = decideCanary({ canary: live(2, 150, 30, { p50: 40, p95: 60 }), production: live(1, 150, 30, quick), tolerance: 0.02 });
    expect(decision.promote).toBe(false);
    expect(decision.reason).toBe("median latency 40 ms of canary v2 is over 2x production's 3 ms (+25 ms)");
  });

  it('promotes on the offline evaluation when the canary saw too little traffic, and says so', () => {
    const decision = decideCanary({ canary: live(2, 10, 9, quick), production: live(1, 150, 30, quick), tolerance: 0.02 });
    expect(decision.promote).toBe(true);
    expect(decision.liveErrorPValue).toBeUndefined();
    expect(decision.reason).toMatch(/answered 10 requests during the soak \(fewer than 20\)/);
  });
});
