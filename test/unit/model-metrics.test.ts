import { describe, expect, it } from 'vitest';
import { auc, binaryMetrics, calibration, logLoss, regressionMetrics } from '../../model/metrics.js';

describe('auc', () => {
  it('matches the hand-computed value without ties', () => {
    // Pairs (pos, neg): (0.35 vs 0.1) win, (0.35 vs 0.4) loss, (0.8 vs both) win: 3 of 4.
    expect(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
  });

  it('counts a tie between a positive and a negative as one half', () => {
    // Pairs: (0.5 vs 0.5) half, (0.5 vs 0.2) win, (0.9 vs 0.5) win, (0.9 vs 0.2) win: 3.5 of 4.
    expect(auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
    expect(auc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12);
  });

  it('is 1 for a perfect classifier and 0 for an inverted one', () => {
    const labels = new Float32Array([0, 0, 0, 1, 1]);
    expect(auc(labels, new Float32Array([0.1, 0.2, 0.3, 0.7, 0.9]))).toBe(1);
    expect(auc(labels, new Float32Array([0.9, 0.8, 0.7, 0.2, 0.1]))).toBe(0);
  });

  it('is NaN when only one class is present', () => {
    expect(auc([1, 1, 1], [0.2, 0.5, 0.9])).toBeNaN();
  });
});

describe('binaryMetrics', () => {
  it('computes the confusion-based metrics at threshold 0.5 (a score of exactly 0.5 is positive)', () => {
    // TP: rows 0, 1, 7; FN: row 2; FP: rows 3, 6; TN: rows 4, 5.
    const metrics = binaryMetrics([1, 1, 1, 0, 0, 0, 0, 1], [0.9, 0.6, 0.4, 0.7, 0.2, 0.1, 0.5, 0.55]);
    expect(metrics.accuracy).toBeCloseTo(5 / 8, 12);
    expect(metrics.precision).toBeCloseTo(3 / 5, 12);
    expect(metrics.recall).toBeCloseTo(3 / 4, 12);
    expect(metrics.f1).toBeCloseTo((2 * 0.6 * 0.75) / 1.35, 12);
    expect(metrics).toMatchObject({ threshold: 0.5, rows: 8, positives: 4 });
  });

  it('reports precision and F1 as 0 when nothing is predicted positive', () => {
    const metrics = binaryMetrics([1, 0], [0.1, 0.2]);
    expect([metrics.precision, metrics.recall, metrics.f1]).toEqual([0, 0, 0]);
  });

  it('rejects mismatched lengths and non-finite scores', () => {
    expect(() => binaryMetrics([1, 0], [0.5])).toThrow(RangeError);
    expect(() => binaryMetrics([1, 0], [0.5, Number.NaN])).toThrow(/row 1/);
  });
});

describe('logLoss', () => {
  it('is the mean negative log-likelihood', () => {
    expect(logLoss([1, 0], [0.8, 0.3])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
  });

  it('clips certain-and-wrong scores so the loss stays finite', () => {
    // 1 - (1 - 1e-15) is not exactly 1e-15 in float64, hence the two terms.
    expect(logLoss([1, 0], [0, 1])).toBeCloseTo((-Math.log(1e-15) - Math.log(1 - (1 - 1e-15))) / 2, 9);
  });
});

describe('calibration', () => {
  it('bins scores into ten equal-width bins and weights the gaps by count', () => {
    const { ece, bins } = calibration([0, 0, 1, 1, 1], [0.05, 0.15, 0.15, 0.95, 1.0]);
    // Gaps: bin 0 |0 - 0.05|, bin 1 |0.5 - 0.15|, bin 9 |1 - 0.975|; weights 1/5, 2/5, 2/5.
    expect(ece).toBeCloseTo(0.2 * 0.05 + 0.4 * 0.35 + 0.4 * 0.025, 12);
    expect(bins).toHaveLength(10);
    expect(bins[1]).toMatchObject({ count: 2, fractionPositive: 0.5 });
    expect(bins[1]?.meanPredicted).toBeCloseTo(0.15, 12);
    expect(bins[9]).toMatchObject({ lower: 0.9, upper: 1, count: 2, fractionPositive: 1 });
    expect(bins[5]).toMatchObject({ count: 0, meanPredicted: null, fractionPositive: null });
  });
});

describe('regressionMetrics', () => {
  it('gives RMSE 0, MAE 0 and R² 1 for a perfect fit', () => {
    const labels = new Float32Array([1.5, -2, 3, 10]);
    expect(regressionMetrics(labels, labels)).toEqual({ rmse: 0, mae: 0, r2: 1, rows: 4 });
  });

  it('matches hand-computed values', () => {
    // Residuals -0.5, 0, 0.5, -1: squared sum 1.5; total sum of squares about the mean 2.5 is 5.
    const metrics = regressionMetrics([1, 2, 3, 4], [1.5, 2, 2.5, 5]);
    expect(metrics.rmse).toBeCloseTo(Math.sqrt(1.5 / 4), 12);
    expect(metrics.mae).toBeCloseTo(0.5, 12);
    expect(metrics.r2).toBeCloseTo(0.7, 12);
  });

  it('gives R² 0 for always predicting the mean, and for any miss on constant labels', () => {
    expect(regressionMetrics([1, 2, 3], [2, 2, 2]).r2).toBeCloseTo(0, 12);
    expect(regressionMetrics([4, 4], [4, 5]).r2).toBe(0);
    expect(regressionMetrics([4, 4], [4, 4]).r2).toBe(1);
  });
});
