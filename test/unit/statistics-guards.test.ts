import { describe, expect, it } from 'vitest';
import type { LiveStats } from '../../contracts/model.js';
import { categoricalChiSquare } from '../../drift/categorical.js';
import { liveMetric, performanceVerdict } from '../../drift/performance.js';
import { binLabels, countCategories, MISSING_BUCKET, psi, referenceBins, toShares, UNSEEN_BUCKET } from '../../drift/psi.js';
import { blessingWhy, decideBlessing } from '../../model/blessing.js';
import { decideCanary } from '../../model/canary-decision.js';
import { auc, binaryMetrics } from '../../model/metrics.js';
import { chiSquare, jensenShannon } from '../../statistics/chi-square.js';
import { chiSquareSf, gammaP, gammaQ, logGamma } from '../../statistics/gamma.js';
import { kolmogorovSmirnovSf, ldexp } from '../../statistics/kolmogorov.js';
import { ks2samp, ksAgainstReference } from '../../statistics/ks.js';
import { upperNormalTail } from '../../statistics/normal.js';
import { smirnovSf } from '../../statistics/smirnov.js';

/** What the statistics refuse, and the exact edges of their rules: the grids against scipy check the values in between. */

describe('the KS distributions outside their domain', () => {
  it('give NaN for a sample size that is not a positive integer, or a distance that is not a number', () => {
    for (const [n, x] of [
      [0, 0.5],
      [-3, 0.5],
      [2.5, 0.5],
      [5, Number.NaN],
    ] as const) {
      expect(smirnovSf(n, x)).toBeNaN();
      expect(kolmogorovSmirnovSf(n, x)).toBeNaN();
    }
  });

  it('give NaN for a one-sided distance outside [0, 1]; the two-sided tail is 1 below 0 and 0 above 1', () => {
    expect(smirnovSf(5, -0.1)).toBeNaN();
    expect(smirnovSf(5, 1.1)).toBeNaN();
    expect(kolmogorovSmirnovSf(5, -0.1)).toBe(1);
    expect(kolmogorovSmirnovSf(5, 1.1)).toBe(0);
    expect(kolmogorovSmirnovSf(5, 1)).toBe(0);
    expect(kolmogorovSmirnovSf(5, 0)).toBe(1);
  });
});

describe('ldexp, which scales the matrix powers back', () => {
  it('multiplies by a power of two beyond what one double can hold, either way', () => {
    expect(ldexp(2 ** -1000, 1050)).toBe(2 ** 50);
    expect(ldexp(2 ** -1020, 2030)).toBe(2 ** 1010);
    expect(ldexp(2 ** 1020, -2030)).toBe(2 ** -1010);
    expect(ldexp(3, 2001)).toBe(Number.POSITIVE_INFINITY);
    expect(ldexp(1.5, 3)).toBe(12);
    expect(ldexp(1.5, -1000)).toBe(1.5 * 2 ** -1000);
    expect(ldexp(1.5, 1000)).toBe(1.5 * 2 ** 1000);
  });
});

describe('the incomplete gamma family', () => {
  it('refuses arguments outside its domain, saying which', () => {
    expect(() => logGamma(0)).toThrow('logGamma needs x > 0, got 0');
    expect(() => logGamma(-1.5)).toThrow('logGamma needs x > 0, got -1.5');
    expect(() => gammaP(0, 1)).toThrow('incomplete gamma needs a > 0 and x >= 0, got a=0, x=1');
    expect(() => gammaQ(1, -0.5)).toThrow('incomplete gamma needs a > 0 and x >= 0, got a=1, x=-0.5');
    expect(() => gammaQ(Number.NaN, 1)).toThrow('incomplete gamma needs a > 0 and x >= 0, got a=NaN, x=1');
    expect(() => chiSquareSf(1, 0)).toThrow('chi-square needs df > 0, got 0');
  });

  it('is exact at 0 and at infinity', () => {
    expect(gammaP(2, 0)).toBe(0);
    expect(gammaQ(2, 0)).toBe(1);
    expect(gammaP(2, Number.POSITIVE_INFINITY)).toBe(1);
    expect(gammaQ(2, Number.POSITIVE_INFINITY)).toBe(0);
    expect(chiSquareSf(0, 3)).toBe(1);
    expect(chiSquareSf(-2, 3)).toBe(1);
  });

  it('is continuous where it switches from the series to the continued fraction (x = a + 1)', () => {
    // scipy: gammainc(2.5, 3.5) = 0.6792030029... and its complement.
    expect(Math.abs(gammaP(2.5, 3.5) + gammaQ(2.5, 3.5) - 1)).toBeLessThan(1e-15);
    expect(Math.abs(gammaP(2.5, 3.5 - 1e-12) - gammaP(2.5, 3.5))).toBeLessThan(1e-11);
  });

  it('gives the normal tail of 0 as one half, from either side', () => {
    expect(upperNormalTail(0)).toBe(0.5);
    expect(upperNormalTail(-0)).toBe(0.5);
  });
});

describe('chi-square and Jensen–Shannon refuse buckets they cannot compare', () => {
  it('chi-square: unaligned buckets, unequal totals, an expected count that is not positive', () => {
    expect(() => chiSquare([1, 2], [3])).toThrow('chi-square needs aligned buckets: 2 observed but 1 expected');
    expect(() => chiSquare([10, 10], [10, 11])).toThrow('chi-square needs equal totals: observed 20, expected 21');
    expect(() => chiSquare([5, 0], [5, 0])).toThrow('chi-square needs positive expected counts; bucket 1 expects 0');
    expect(() => chiSquare([6, -1], [6, -1])).toThrow('chi-square needs positive expected counts; bucket 1 expects -1');
  });

  it('chi-square: totals equal within 1e-8 relative pass, and the tolerance scales with the larger total', () => {
    expect(chiSquare([1e9, 1e9], [1e9 + 5, 1e9 - 4]).df).toBe(1);
    expect(() => chiSquare([1e9, 1e9], [1e9 + 30, 1e9])).toThrow('chi-square needs equal totals');
    expect(() => chiSquare([0.5, 0.5], [0.5, 0.5 + 1e-7])).toThrow('chi-square needs equal totals');
  });

  it('chi-square: no degrees of freedom left means a p-value of 1, whatever the statistic', () => {
    expect(chiSquare([9, 1], [5, 5], 1)).toEqual({ statistic: 6.4, df: 0, pValue: 1 });
    expect(chiSquare([3], [3])).toEqual({ statistic: 0, df: 0, pValue: 1 });
  });

  it('Jensen–Shannon: unaligned buckets and an empty side', () => {
    expect(() => jensenShannon([1, 2], [1])).toThrow('Jensen–Shannon needs aligned buckets: 2 against 1');
    expect(() => jensenShannon([0, 0], [1, 1])).toThrow('Jensen–Shannon needs two non-empty distributions');
    expect(() => jensenShannon([1, 1], [0, 0])).toThrow('Jensen–Shannon needs two non-empty distributions');
  });
});

describe('the KS test refuses samples it cannot use and names each', () => {
  it('names the sample that is empty or holds a value that is not finite, at whatever index', () => {
    expect(() => ks2samp([1], [])).toThrow('KS test: the second sample is empty');
    expect(() => ks2samp([Number.POSITIVE_INFINITY, 1], [1])).toThrow('KS test: the first sample holds Infinity at index 0, not a finite number');
    expect(() => ksAgainstReference([], [1])).toThrow('KS test: the reference sample is empty');
    expect(() => ksAgainstReference([1, 2], [3, Number.NaN])).toThrow('KS test: the current sample holds NaN at index 1, not a finite number');
  });

  it('accepts a reference sample with repeated values (sorted ascending, not strictly)', () => {
    expect(ksAgainstReference([1, 1, 2, 2], [1, 2]).statistic).toBe(0);
  });

  it('reports the largest gap below as well as above, with its sign and the first place it occurs', () => {
    const below = ks2samp([3, 4, 5], [1, 2, 6]);
    expect(below).toMatchObject({ statistic: 2 / 3, sign: -1, location: 2 });
    const above = ks2samp([1, 2, 6], [3, 4, 5]);
    expect(above).toMatchObject({ statistic: 2 / 3, sign: 1, location: 2 });
  });

  it('falls back to the asymptotic p-value when the exact one would need a lattice of 2³¹ points or more', () => {
    // 46,342 and 46,341 are coprime, so their lcm is their product, 2,147,534,622.
    const first = Array.from({ length: 46_342 }, (_, i) => ((i + 1) * 0.6180339887498949) % 1);
    const second = Array.from({ length: 46_341 }, (_, i) => ((i + 1) * 0.7548776662466927) % 1);
    const exact = ks2samp(first, second, 'exact');
    expect(exact.method).toBe('asymp');
    expect(exact.pValue).toBe(ks2samp(first, second, 'asymp').pValue);
  });

  it('rounds the effective sample size half to even for the asymptotic p-value, as numpy does', () => {
    // n₁n₂/(n₁+n₂) = 2.5 for samples of 5 and 5 → 2; 3.5 for 7 and 7 → 4.
    expect(ks2samp([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 'asymp').pValue).toBe(kolmogorovSmirnovSf(2, 1));
    const seven = ks2samp([1, 2, 3, 4, 5, 6, 7], [1.5, 2.5, 3.5, 8, 9, 10, 11], 'asymp');
    expect(seven.pValue).toBe(kolmogorovSmirnovSf(4, seven.statistic));
  });
});

describe('PSI, bins and categories at their edges', () => {
  it('refuses an epsilon that is not positive, and a bin count that is not a positive integer', () => {
    expect(() => psi([1], [1], 0)).toThrow('PSI epsilon must be > 0, got 0');
    expect(() => psi([1], [1], -1e-4)).toThrow('PSI epsilon must be > 0, got -0.0001');
    expect(() => referenceBins([1, 2], 0)).toThrow('bins must be a positive integer, got 0');
    expect(() => referenceBins([1, 2], 2.5)).toThrow('bins must be a positive integer, got 2.5');
    expect(referenceBins([1, 2, 3], 1)).toEqual([]);
    expect(referenceBins([], 10)).toEqual([]);
  });

  it('labels bins with as many digits as keep them apart, and at most 17', () => {
    expect(binLabels([5])).toEqual(['≤ 5', '> 5', MISSING_BUCKET]);
    expect(binLabels([0.123456, 0.123457])).toEqual(['≤ 0.123456', '(0.123456, 0.123457]', '> 0.123457', '(missing)']);
    expect(binLabels([1, 1 + 2 ** -52])).toEqual(['≤ 1', '(1, 1.0000000000000002]', '> 1.0000000000000002', '(missing)']);
    expect(binLabels([0.1, 0.2, 0.3])).toEqual(['≤ 0.1', '(0.1, 0.2]', '(0.2, 0.3]', '> 0.3', '(missing)']);
  });

  it('names its special buckets', () => {
    expect([UNSEEN_BUCKET, MISSING_BUCKET]).toEqual(['(unseen)', '(missing)']);
  });

  it('ranks categories by count, then by value in code-point order', () => {
    const counts = countCategories(['b', 'B', 'a', 'c', 'b', 'a', 'B'], 10);
    expect(counts.categories.map(({ value }) => value)).toEqual(['B', 'a', 'b', 'c']);
    expect(countCategories(['z', 'y', 'x'], 10).categories.map(({ value }) => value)).toEqual(['x', 'y', 'z']);
    expect(countCategories(['x', 'y', 'x', 'y', 'x', 'y'], 1).categories).toEqual([{ value: 'x', count: 3 }]);
  });

  it('refuses shares of nothing', () => {
    expect(() => toShares([0, 0])).toThrow('shares need at least one counted row');
    expect(toShares([1, 3])).toEqual([0.25, 0.75]);
  });

  it('takes the upper neighbour at exactly halfway between two values, as numpy’s lerp', () => {
    // Quantile 1/2 of [0.1, 0.7]: position 0.5, where numpy computes b − diff·0.5 (0.39999999999999997), not a + diff·0.5 (0.4).
    expect(referenceBins([0.1, 0.7], 2)).toEqual([0.7 - (0.7 - 0.1) * 0.5]);
  });
});

describe('the categorical chi-square', () => {
  it('needs reference rows and current rows', () => {
    const message = 'chi-square needs at least one reference row and one current row';
    expect(() => categoricalChiSquare({ labels: ['a', '(unseen)', '(missing)'], reference: [10, 0, 0], current: [0, 0, 0] })).toThrow(message);
    expect(() => categoricalChiSquare({ labels: ['a', '(unseen)', '(missing)'], reference: [0, 0, 0], current: [5, 0, 0] })).toThrow(message);
  });
});

describe('the live performance verdict, word for word', () => {
  it('says one outcome, not one outcomes', () => {
    expect(performanceVerdict({ metric: 'auc', value: 0.9, threshold: 0.7, minOutcomes: 5, outcomes: 1 }).reason).toBe(
      'Insufficient data: 1 outcome, fewer than the 5 needed to judge live auc.',
    );
    expect(performanceVerdict({ metric: 'rmse', value: 2, threshold: 3, minOutcomes: 1, outcomes: 1 }).reason).toBe('No drift: live rmse 2 on 1 outcome meets the maximum 3.');
  });

  it('calls zero outcomes insufficient even when none are required', () => {
    expect(performanceVerdict({ metric: 'auc', value: 0.9, threshold: 0.7, minOutcomes: 0, outcomes: 0 })).toEqual({
      verdict: 'insufficient-data',
      reason: 'Insufficient data: 0 outcomes, fewer than the 1 needed to judge live auc.',
    });
  });

  it('explains a value that is not a number, and a drift with the numbers', () => {
    expect(performanceVerdict({ metric: 'auc', value: Number.NaN, threshold: 0.7, minOutcomes: 1, outcomes: 3 }).reason).toBe(
      'Insufficient data: live auc on 3 outcomes is NaN (for auc, the outcomes hold one class).',
    );
    expect(performanceVerdict({ metric: 'auc', value: 0.61, threshold: 0.7, minOutcomes: 1, outcomes: 3 }).reason).toBe('Drift: live auc 0.61 on 3 outcomes is below the minimum 0.7.');
    expect(performanceVerdict({ metric: 'mae', value: 5, threshold: 3, minOutcomes: 1, outcomes: 3 }).reason).toBe('Drift: live mae 5 on 3 outcomes is above the maximum 3.');
  });

  it('computes auc by ranks, not at a threshold', () => {
    // Every score is under 0.5, so a thresholded metric would see no positives; the ranking is perfect.
    expect(liveMetric('binary', 'auc', [0, 1, 0, 1], [0.1, 0.4, 0.2, 0.3])).toBe(1);
  });
});

describe('blessing at the edges', () => {
  it('says when no threshold is configured', () => {
    expect(decideBlessing({ metric: 'auc', candidate: 0.9 }).reason).toBe('Not blessed: no minimum is configured for auc, and blessing defaults to no (candidate auc 0.9).');
  });

  it('allows a regression equal to the allowance despite rounding, and not one a hair beyond', () => {
    // 0.8 − 0.7 is 0.10000000000000009 in floating point.
    expect(decideBlessing({ metric: 'auc', candidate: 0.7, production: 0.8, threshold: 0.5, maxRegression: 0.1 }).blessed).toBe(true);
    expect(decideBlessing({ metric: 'auc', candidate: 0.7, production: 0.8, threshold: 0.5, maxRegression: 0.0999 }).blessed).toBe(false);
    // The slack grows with production's magnitude: 1e-9 of 5000 is 5e-6.
    expect(decideBlessing({ metric: 'rmse', candidate: 5000.000004, production: 5000, threshold: 6000 }).blessed).toBe(true);
    expect(decideBlessing({ metric: 'rmse', candidate: 5000.00001, production: 5000, threshold: 6000 }).blessed).toBe(false);
    expect(decideBlessing({ metric: 'rmse', candidate: 0.5 + 2e-9, production: 0.5, threshold: 1 }).blessed).toBe(false);
  });

  it('strips the verdict from a reason, only at its start', () => {
    expect(blessingWhy('Blessed: candidate auc 0.9 meets the minimum 0.7.')).toBe('candidate auc 0.9 meets the minimum 0.7.');
    expect(blessingWhy('Not blessed: x.')).toBe('x.');
    expect(blessingWhy('Why Blessed: x.')).toBe('Why Blessed: x.');
  });
});

describe('the canary decision at its edges', () => {
  const live = (over: Partial<LiveStats>): LiveStats => ({ version: 2, predictions: 100, outcomes: 100, liveError: 0.2, liveErrorStd: 0.4, p50LatencyMs: 5, p95LatencyMs: 10, ...over });

  it('needs MIN_LIVE outcomes on both sides to compare live error', () => {
    const worse = { liveError: 0.9, liveErrorStd: 0.1 };
    expect(decideCanary({ canary: live({ ...worse, outcomes: 20 }), production: live({ version: 1, outcomes: 20 }), tolerance: 0 }).promote).toBe(false);
    expect(decideCanary({ canary: live({ ...worse, outcomes: 19 }), production: live({ version: 1, outcomes: 20 }), tolerance: 0 }).promote).toBe(true);
    const fewProduction = decideCanary({ canary: live({ ...worse, outcomes: 20 }), production: live({ version: 1, outcomes: 19 }), tolerance: 0 });
    expect(fewProduction.promote).toBe(true);
    expect(fewProduction.liveErrorPValue).toBeUndefined();
    expect(fewProduction.reason).toBe('canary v2 held up over 100 requests: too few outcomes to compare live error (20 and 19), median latency 5 vs 5 ms, p95 10 vs 10 ms');
  });

  it('decides with no spread in the errors: worse is certain, equal or better is not', () => {
    const exact = { liveErrorStd: 0 };
    const worse = decideCanary({ canary: live({ ...exact, liveError: 0.3 }), production: live({ ...exact, version: 1, liveError: 0.2 }), tolerance: 0 });
    expect(worse).toMatchObject({ promote: false, liveErrorPValue: 0 });
    expect(decideCanary({ canary: live({ ...exact, liveError: 0.2 }), production: live({ ...exact, version: 1, liveError: 0.2 }), tolerance: 0 }).liveErrorPValue).toBe(1);
    expect(decideCanary({ canary: live({ ...exact, liveError: 0.1 }), production: live({ ...exact, version: 1, liveError: 0.2 }), tolerance: 0 }).liveErrorPValue).toBe(1);
  });

  it('does not roll back an error exactly at production’s plus the tolerance', () => {
    const atTolerance = decideCanary({ canary: live({ liveError: 0.5, liveErrorStd: 0 }), production: live({ version: 1, liveError: 0.25, liveErrorStd: 0 }), tolerance: 0.25 });
    expect(atTolerance.promote).toBe(true);
  });

  it('says what it compared when it promotes, with n/a for a missing latency', () => {
    const decision = decideCanary({ canary: live({ p50LatencyMs: undefined }), production: live({ version: 1 }), tolerance: 0 });
    expect(decision.promote).toBe(true);
    expect(decision.reason).toBe('canary v2 held up over 100 requests: live error 0.2 vs 0.2 (p=0.5), median latency n/a vs 5 ms, p95 10 vs 10 ms');
  });

  it('judges latency only when both medians are known', () => {
    expect(decideCanary({ canary: live({ p50LatencyMs: 900 }), production: live({ version: 1, p50LatencyMs: undefined }), tolerance: 0 }).promote).toBe(true);
    expect(decideCanary({ canary: live({ p50LatencyMs: undefined }), production: live({ version: 1, p50LatencyMs: 1 }), tolerance: 0 }).promote).toBe(true);
  });
});

describe('binary metrics at their edges', () => {
  it('gives 0 precision with no predicted positives and 0 recall with no actual positives', () => {
    const nonePredicted = binaryMetrics([1, 0, 1], [0.1, 0.2, 0.3]);
    expect(nonePredicted).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    const noneActual = binaryMetrics([0, 0, 0], [0.9, 0.2, 0.3]);
    expect(noneActual).toMatchObject({ precision: 0, recall: 0, f1: 0, positives: 0 });
    expect(noneActual.auc).toBeNaN();
    // tp = 1 and fp = 1: tp − fp = 0 must not read as "nothing predicted".
    expect(binaryMetrics([1, 0], [0.9, 0.8]).precision).toBe(0.5);
    expect(binaryMetrics([1, 1], [0.9, 0.1]).recall).toBe(0.5);
  });

  it('is NaN for auc with one class, whichever it is', () => {
    expect(auc([1, 1], [0.2, 0.7])).toBeNaN();
    expect(auc([0, 0], [0.2, 0.7])).toBeNaN();
  });

  it('shares ranks across ties, including a tie in the last place', () => {
    expect(auc([0, 1, 0, 1], [0.1, 0.5, 0.5, 0.9])).toBe(0.875);
    expect(auc([0, 1], [0.5, 0.5])).toBe(0.5);
  });

  it('refuses mismatched or empty inputs, saying which', () => {
    expect(() => binaryMetrics([1, 0], [0.5])).toThrow('2 labels but 1 predictions');
    expect(() => binaryMetrics([], [])).toThrow('Metrics need at least one row');
  });
});
