import { describe, expect, it } from 'vitest';
import type { LiveStats } from '../../contracts/model.js';
import { categoricalChiSquare } from '../../drift/categorical.js';
import { performanceVerdict } from '../../drift/performance.js';
import { countCategories } from '../../drift/psi.js';
import { decideBlessing } from '../../model/blessing.js';
import { decideCanary, MIN_LIVE } from '../../model/canary-decision.js';
import { binaryMetrics } from '../../model/metrics.js';

/** Boundaries, tie-breaks and guards of the drift and model statistics that the other suites leave open. */

describe('the live performance verdict', () => {
  const judge = (metric: 'auc' | 'rmse', value: number, threshold: number) => performanceVerdict({ metric, value, threshold, minOutcomes: 10, outcomes: 50 }).verdict;

  it('reports no drift for a higher-is-better metric above its minimum, and at it', () => {
    expect(judge('auc', 0.9, 0.7)).toBe('no-drift');
    expect(judge('auc', 0.7, 0.7)).toBe('no-drift');
    expect(judge('auc', 0.69, 0.7)).toBe('drift');
  });

  it('reports no drift for a lower-is-better metric below its maximum, and at it', () => {
    expect(judge('rmse', 3, 4)).toBe('no-drift');
    expect(judge('rmse', 4, 4)).toBe('no-drift');
    expect(judge('rmse', 4.01, 4)).toBe('drift');
  });

  it('needs the minimum number of outcomes, exactly that many being enough', () => {
    expect(performanceVerdict({ metric: 'auc', value: 0.9, threshold: 0.7, minOutcomes: 10, outcomes: 9 }).verdict).toBe('insufficient-data');
    expect(performanceVerdict({ metric: 'auc', value: 0.9, threshold: 0.7, minOutcomes: 10, outcomes: 10 }).verdict).toBe('no-drift');
  });
});

describe('the categorical chi-square', () => {
  it('keeps a reference category that live data lacks: its absence is evidence of drift', () => {
    // Reference: a and b evenly; live: only b. Leaving a out would compare b with itself (chi² 0, p 1).
    const result = categoricalChiSquare({ labels: ['a', 'b', '(unseen)', '(missing)'], reference: [50, 50, 0, 0], current: [0, 100, 0, 0] });
    expect(result.statistic).toBeCloseTo(100, 6);
    expect(result.pValue).toBeLessThan(1e-6);
  });
});

describe('counting categories', () => {
  it('breaks ties in count by value, so the same categories survive a cut whatever the order', () => {
    const counts = countCategories(['b', 'a', 'c', 'c'], 2);
    expect(counts.categories).toEqual([
      { value: 'c', count: 2 },
      { value: 'a', count: 1 },
    ]);
    expect(countCategories(['c', 'b', 'a', 'c'], 2).categories).toEqual(counts.categories);
    expect(counts.otherCount).toBe(1);
  });
});

describe('the canary decision’s edges', () => {
  const live = (version: number, predictions: number, outcomes: number, liveError: number, p50LatencyMs = 5): LiveStats => ({
    version,
    predictions,
    outcomes,
    liveError,
    liveErrorStd: 0.3,
    p50LatencyMs,
    p95LatencyMs: p50LatencyMs * 2,
  });

  it('tolerates a worse live error within the tolerance, even when significant', () => {
    // 0.25 against 0.2 over 10,000 outcomes each is significant (p ≈ 0), but within a tolerance of 0.06.
    expect(decideCanary({ canary: live(2, 10_000, 10_000, 0.25), production: live(1, 10_000, 10_000, 0.2), tolerance: 0.06 }).promote).toBe(true);
    expect(decideCanary({ canary: live(2, 10_000, 10_000, 0.25), production: live(1, 10_000, 10_000, 0.2), tolerance: 0.04 }).promote).toBe(false);
  });

  it('rolls back on latency just over twice production’s plus slack, not at it', () => {
    expect(decideCanary({ canary: live(2, 100, 0, 0, 45), production: live(1, 100, 0, 0, 10), tolerance: 0 }).promote).toBe(true);
    expect(decideCanary({ canary: live(2, 100, 0, 0, 45.5), production: live(1, 100, 0, 0, 10), tolerance: 0 }).promote).toBe(false);
  });

  it('does not judge latency against a production that answered too few requests', () => {
    expect(decideCanary({ canary: live(2, 100, 0, 0, 500), production: live(1, MIN_LIVE - 1, 0, 0, 10), tolerance: 0 }).promote).toBe(true);
    expect(decideCanary({ canary: live(2, 100, 0, 0, 500), production: live(1, MIN_LIVE, 0, 0, 10), tolerance: 0 }).promote).toBe(false);
  });

  it('judges a canary with exactly the minimum of predictions', () => {
    expect(decideCanary({ canary: live(2, MIN_LIVE, 0, 0, 500), production: live(1, 100, 0, 0, 10), tolerance: 0 }).promote).toBe(false);
  });
});

describe('blessing at the edges', () => {
  it('blesses a candidate exactly at the minimum or maximum', () => {
    expect(decideBlessing({ metric: 'auc', candidate: 0.7, threshold: 0.7 }).blessed).toBe(true);
    expect(decideBlessing({ metric: 'rmse', candidate: 4, threshold: 4 }).blessed).toBe(true);
    expect(decideBlessing({ metric: 'rmse', candidate: 4.0001, threshold: 4 }).blessed).toBe(false);
  });

  it('does not bless against a threshold that is not a number', () => {
    expect(decideBlessing({ metric: 'auc', candidate: 0.9, threshold: Number.NaN })).toEqual({ blessed: false, reason: 'Not blessed: no minimum is configured for auc, and blessing defaults to no (candidate auc 0.9).' });
    expect(decideBlessing({ metric: 'rmse', candidate: 1, threshold: Number.POSITIVE_INFINITY }).blessed).toBe(false);
  });
});

describe('F1', () => {
  it('is precision when precision equals recall', () => {
    // tp 2, fp 1, fn 1: precision = recall = 2/3.
    const metrics = binaryMetrics([1, 1, 1, 0, 0], [0.9, 0.8, 0.1, 0.7, 0.2]);
    expect(metrics.precision).toBeCloseTo(2 / 3, 12);
    expect(metrics.recall).toBeCloseTo(2 / 3, 12);
    expect(metrics.f1).toBeCloseTo(2 / 3, 12);
  });
});
