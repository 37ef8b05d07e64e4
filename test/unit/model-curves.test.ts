import { describe, expect, it } from 'vitest';
import { binaryCurves, confusionAt, downsample, equalWidthBins, MAX_CURVE_POINTS, MAX_SCATTER_POINTS, regressionCurves, trainingCurve } from '../../model/curves.js';
import { auc } from '../../model/metrics.js';

// Five rows, three positive. From the highest score down: 0.9 (+), 0.8 (-), 0.7 (+), 0.6 (+), 0.2 (-).
const LABELS = [1, 0, 1, 1, 0];
const SCORES = [0.9, 0.8, 0.7, 0.6, 0.2];

describe('binaryCurves', () => {
  const curves = binaryCurves(LABELS, SCORES);

  it('steps the ROC curve through every distinct score, with the area by trapezoids', () => {
    // (fp/2, tp/3) after each score.
    expect(curves.roc!.points).toEqual([
      { fpr: 0, tpr: 0, threshold: null },
      { fpr: 0, tpr: 1 / 3, threshold: 0.9 },
      { fpr: 0.5, tpr: 1 / 3, threshold: 0.8 },
      { fpr: 0.5, tpr: 2 / 3, threshold: 0.7 },
      { fpr: 0.5, tpr: 1, threshold: 0.6 },
      { fpr: 1, tpr: 1, threshold: 0.2 },
    ]);
    // 0.5 x 1/3 + 0.5 x 1 under the curve; by pairs: 0.9 beats both negatives, 0.7 and 0.6 beat 0.2: 4 of 6.
    expect(curves.roc!.auc).toBeCloseTo(2 / 3, 12);
    expect(curves.roc!.auc).toBeCloseTo(auc(LABELS, SCORES), 12);
  });

  it('gives precision and recall at every distinct score, and the average precision', () => {
    expect(curves.precisionRecall!.points.map(({ recall, precision }) => [recall, precision])).toEqual([
      [0, 1],
      [1 / 3, 1],
      [1 / 3, 1 / 2],
      [2 / 3, 2 / 3],
      [1, 3 / 4],
      [1, 3 / 5],
    ]);
    // Recall gained times precision: 1/3 x 1 + 1/3 x 2/3 + 1/3 x 3/4.
    expect(curves.precisionRecall!.averagePrecision).toBeCloseTo(29 / 36, 12);
  });

  it('counts the confusion matrix at 0.5 and bins the scores for calibration', () => {
    expect(curves.confusion).toEqual({ threshold: 0.5, tp: 3, fp: 1, fn: 0, tn: 1 });
    expect(curves).toMatchObject({ kind: 'binary', rows: 5, positives: 3 });
    const filled = curves.calibration.filter((bin) => bin.count > 0).map(({ lower, count, meanPredicted, fractionPositive }) => ({ lower, count, meanPredicted, fractionPositive }));
    expect(filled).toEqual([
      { lower: 0.2, count: 1, meanPredicted: 0.2, fractionPositive: 0 },
      { lower: 0.6, count: 1, meanPredicted: 0.6, fractionPositive: 1 },
      { lower: 0.7, count: 1, meanPredicted: 0.7, fractionPositive: 1 },
      { lower: 0.8, count: 1, meanPredicted: 0.8, fractionPositive: 0 },
      { lower: 0.9, count: 1, meanPredicted: 0.9, fractionPositive: 1 },
    ]);
  });

  it('moves tied scores together: one point per distinct score, a tie counting one half in the area', () => {
    const tied = binaryCurves([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]);
    expect(tied.roc!.points).toEqual([
      { fpr: 0, tpr: 0, threshold: null },
      { fpr: 0, tpr: 0.5, threshold: 0.9 },
      { fpr: 0.5, tpr: 1, threshold: 0.5 },
      { fpr: 1, tpr: 1, threshold: 0.2 },
    ]);
    expect(tied.roc!.auc).toBeCloseTo(0.875, 12);
    // A score of exactly 0.5 is predicted positive, as binaryMetrics counts it.
    expect(tied.confusion).toEqual({ threshold: 0.5, tp: 2, fp: 1, fn: 0, tn: 1 });
  });

  it('leaves out the ROC curve with one class, and precision-recall without positives', () => {
    const positives = binaryCurves([1, 1, 1], [0.2, 0.5, 0.9]);
    expect(positives.roc).toBeUndefined();
    expect(positives.precisionRecall!.averagePrecision).toBe(1);
    const negatives = binaryCurves([0, 0], [0.2, 0.5]);
    expect(negatives.roc).toBeUndefined();
    expect(negatives.precisionRecall).toBeUndefined();
    expect(negatives.confusion).toEqual({ threshold: 0.5, tp: 0, fp: 1, fn: 0, tn: 1 });
  });

  it(`keeps at most ${MAX_CURVE_POINTS} points per curve, the ends included, whatever the rows`, () => {
    const labels = Array.from({ length: 10_000 }, (_, i) => i % 3 === 0 ? 1 : 0);
    const scores = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_000 / 10_000);
    const large = binaryCurves(labels, scores);
    expect(large.roc!.points).toHaveLength(MAX_CURVE_POINTS);
    expect(large.roc!.points[0]).toEqual({ fpr: 0, tpr: 0, threshold: null });
    expect(large.roc!.points.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    expect(large.precisionRecall!.points).toHaveLength(MAX_CURVE_POINTS);
    // The area comes from every point, not the kept ones.
    expect(large.roc!.auc).toBeCloseTo(auc(labels, scores), 10);
  });

  it('refuses unpaired or non-finite input', () => {
    expect(() => binaryCurves([1, 0], [0.5])).toThrow(/2 labels but 1 predictions/);
    expect(() => binaryCurves([1, 0], [0.5, Number.NaN])).toThrow(/row 1 is NaN/);
  });
});

describe('regressionCurves', () => {
  it('pairs actual and predicted values and bins the residuals over every row', () => {
    // Residuals (actual - predicted): -0.5, 0, 1, -1.
    const curves = regressionCurves([1, 2, 3, 4], [1.5, 2, 2, 5]);
    expect(curves.scatter).toEqual([
      { actual: 1, predicted: 1.5 },
      { actual: 2, predicted: 2 },
      { actual: 3, predicted: 2 },
      { actual: 4, predicted: 5 },
    ]);
    expect(curves.residuals.reduce((sum, bin) => sum + bin.count, 0)).toBe(4);
    expect(curves.residuals[0]).toMatchObject({ lower: -1, count: 1 });
    expect(curves.residuals.at(-1)).toMatchObject({ upper: 1, count: 1 });
  });

  it(`samples the scatter evenly down to ${MAX_SCATTER_POINTS} rows`, () => {
    const labels = Float32Array.from({ length: 5_000 }, (_, i) => i);
    const curves = regressionCurves(labels, labels);
    expect(curves.rows).toBe(5_000);
    expect(curves.scatter).toHaveLength(MAX_SCATTER_POINTS);
    // Row floor(i x 5000 / 2000) for the i-th point.
    expect(curves.scatter.slice(0, 5).map((point) => point.actual)).toEqual([0, 2, 5, 7, 10]);
    expect(curves.residuals).toEqual([{ lower: 0, upper: 0, count: 5_000 }]);
  });
});

describe('equalWidthBins', () => {
  it('splits min to max into equal bins, the maximum in the last', () => {
    expect(equalWidthBins([-0.5, 0, 1, -1, 0.9], 4)).toEqual([
      { lower: -1, upper: -0.5, count: 1 },
      { lower: -0.5, upper: 0, count: 1 },
      { lower: 0, upper: 0.5, count: 1 },
      { lower: 0.5, upper: 1, count: 2 },
    ]);
    expect(equalWidthBins([], 4)).toEqual([]);
  });
});

describe('confusionAt', () => {
  it('counts at any threshold', () => {
    expect(confusionAt(LABELS, SCORES, 0.75)).toEqual({ threshold: 0.75, tp: 1, fp: 1, fn: 2, tn: 1 });
  });
});

describe('downsample and trainingCurve', () => {
  it('keeps evenly spaced items, first and last included', () => {
    expect(downsample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([0, 3, 6, 9]);
    expect(downsample([1, 2], 4)).toEqual([1, 2]);
  });

  it('keeps a short history whole and a long one with its best epoch', () => {
    const history = Array.from({ length: 10 }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1), valLoss: i === 4 ? 0.01 : 1 }));
    expect(trainingCurve(history, 5)).toEqual(history);
    // Three evenly spread (epochs 1, 6, 10), then the best, epoch 5.
    expect(trainingCurve(history, 5, 4).map((log) => log.epoch)).toEqual([1, 5, 6, 10]);
  });
});
