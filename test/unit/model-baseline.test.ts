import { describe, expect, it } from 'vitest';
import { gateOnBaseline, trivialBaseline } from '../../model/baseline.js';
import { decideBlessing } from '../../model/blessing.js';
import { binaryMetrics, regressionMetrics } from '../../model/metrics.js';

type Values = ArrayLike<number>;
const binary = (labels: Values, scores: Float32Array) => {
  const { auc, accuracy, logLoss, brier } = binaryMetrics(labels, scores);
  return { auc, accuracy, logLoss, brier };
};
const regression = (labels: Values, scores: Float32Array) => {
  const { rmse, mae, r2 } = regressionMetrics(labels, scores);
  return { rmse, mae, r2 };
};

describe('the trivial baseline', () => {
  it("predicts the training split's positive rate for every test row, not the test split's", () => {
    // Training: 1 positive in 4 (rate 0.25). Test: 2 positives in 5, so the majority class (negative) is right 3 times in 5.
    const baseline = trivialBaseline('binary', [1, 0, 0, 0], [1, 1, 0, 0, 0], binary);
    expect(baseline.value).toBe(0.25);
    expect(baseline.predictor).toBe('prior rate 0.25, always negative at threshold 0.5');
    expect(baseline.metrics.accuracy).toBeCloseTo(0.6, 12);
    // Every score ties: the ranks cannot tell a positive from a negative.
    expect(baseline.metrics.auc).toBe(0.5);
    expect(baseline.metrics.logLoss).toBeCloseTo(-(2 * Math.log(0.25) + 3 * Math.log(0.75)) / 5, 7);
    expect(baseline.metrics.brier).toBeCloseTo((2 * 0.75 ** 2 + 3 * 0.25 ** 2) / 5, 7);
  });

  it('answers positive at threshold 0.5 when most training rows are positive', () => {
    const baseline = trivialBaseline('binary', [1, 1, 1, 0], [1, 0, 0, 0], binary);
    expect(baseline.predictor).toBe('prior rate 0.75, always positive at threshold 0.5');
    expect(baseline.metrics.accuracy).toBe(0.25);
  });

  it('predicts the training mean for a regression label', () => {
    // Training mean 10; test labels 8, 12, 13 (their own mean is 11, so R² against the training mean is below 0).
    const baseline = trivialBaseline('regression', [6, 10, 14], [8, 12, 13], regression);
    expect(baseline.predictor).toBe('mean 10');
    expect(baseline.value).toBe(10);
    expect(baseline.metrics.rmse).toBeCloseTo(Math.sqrt((4 + 4 + 9) / 3), 6);
    expect(baseline.metrics.mae).toBeCloseTo(7 / 3, 6);
    expect(baseline.metrics.r2).toBeCloseTo(1 - 17 / 14, 6);
    // Test labels with the training mean: R² is 0 by construction.
    expect(trivialBaseline('regression', [1, 3], [1, 2, 3], regression).metrics.r2).toBeCloseTo(0, 12);
  });

  it('needs training rows', () => {
    expect(() => trivialBaseline('binary', [], [1, 0], binary)).toThrow('A baseline needs at least one training row');
  });
});

describe('the baseline gate on blessing', () => {
  const flights = { predictor: 'prior rate 0.2574, always negative at threshold 0.5', value: 0.2574, metrics: { accuracy: 0.8219, auc: 0.5, logLoss: 0.4863 } };

  it('refuses a candidate that meets its threshold but does not beat the baseline, naming both figures', () => {
    const blessing = gateOnBaseline(decideBlessing({ metric: 'accuracy', candidate: 0.7819, threshold: 0.7 }), { metric: 'accuracy', candidate: 0.7819, baseline: flights });
    expect(blessing).toEqual({ blessed: false, reason: 'Not blessed: accuracy 0.7819 does not beat the baseline (prior rate 0.2574, always negative at threshold 0.5) 0.8219.' });
  });

  it('judges lower-is-better metrics the other way', () => {
    const meets = decideBlessing({ metric: 'logLoss', candidate: 0.5055, threshold: 0.6 });
    expect(gateOnBaseline(meets, { metric: 'logLoss', candidate: 0.5055, baseline: flights })).toMatchObject({ blessed: false, reason: 'Not blessed: logLoss 0.5055 does not beat the baseline (prior rate 0.2574, always negative at threshold 0.5) 0.4863.' });
    const better = decideBlessing({ metric: 'logLoss', candidate: 0.4659, threshold: 0.6 });
    expect(gateOnBaseline(better, { metric: 'logLoss', candidate: 0.4659, baseline: flights })).toEqual(better);
    const mean = { predictor: 'mean 16.1', value: 16.1, metrics: { rmse: 7.2, r2: -0.01 } };
    expect(gateOnBaseline({ blessed: true, reason: 'Blessed: x.' }, { metric: 'rmse', candidate: 7.3, baseline: mean }).blessed).toBe(false);
    expect(gateOnBaseline({ blessed: true, reason: 'Blessed: x.' }, { metric: 'r2', candidate: 0.6, baseline: mean }).blessed).toBe(true);
  });

  it('lets the candidate pass that beats the baseline, keeping the reason; equal is not better', () => {
    const blessed = decideBlessing({ metric: 'auc', candidate: 0.6445, threshold: 0.6 });
    expect(gateOnBaseline(blessed, { metric: 'auc', candidate: 0.6445, baseline: flights })).toEqual(blessed);
    expect(gateOnBaseline(blessed, { metric: 'auc', candidate: 0.5, baseline: flights }).blessed).toBe(false);
  });

  it('asks for more than the margin', () => {
    const blessed = { blessed: true, reason: 'Blessed: x.' };
    expect(gateOnBaseline(blessed, { metric: 'auc', candidate: 0.55, baseline: flights, margin: 0.1 })).toEqual({
      blessed: false,
      reason: 'Not blessed: auc 0.55 does not beat the baseline (prior rate 0.2574, always negative at threshold 0.5) 0.5 by more than evaluation.baseline.margin 0.1.',
    });
    expect(gateOnBaseline(blessed, { metric: 'auc', candidate: 0.65, baseline: flights, margin: 0.1 }).blessed).toBe(true);
  });

  it('leaves a refusal as it was, and a baseline without the metric changes nothing', () => {
    const refused = decideBlessing({ metric: 'auc', candidate: 0.4, threshold: 0.6 });
    expect(gateOnBaseline(refused, { metric: 'auc', candidate: 0.4, baseline: flights })).toEqual(refused);
    const oneClass = { ...flights, metrics: { ...flights.metrics, auc: Number.NaN } };
    const blessed = { blessed: true, reason: 'Blessed: x.' };
    expect(gateOnBaseline(blessed, { metric: 'auc', candidate: 0.7, baseline: oneClass })).toEqual(blessed);
  });
});
