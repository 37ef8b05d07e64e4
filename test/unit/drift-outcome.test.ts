import { describe, expect, it } from 'vitest';
import { combineOutcomeWindows, judgeOutcomeWindow, outcomeReference } from '../../drift/outcome.js';
import type { OutcomeThresholds } from '../../drift/outcome.js';
import type { OutcomeWindow } from '../../contracts/drift-check.js';
import { pipelineSpecSchema } from '../../contracts/pipeline-spec.js';
import { seededRandom } from '../../tabular/seeded-random.js';

const SEEDS = [1, 2, 3, 4, 5];
const WINDOW = { name: 'since-last-check', since: '2026-12-01T00:00:00.000Z' } as const;
const BINARY: OutcomeThresholds = { metric: 'auc', metricThreshold: 0.55, minOutcomes: 200, rateShift: 0.05, calibrationGap: 0.05, meanShift: 0.25, pValue: 0.001 };
const REGRESSION: OutcomeThresholds = { ...BINARY, metric: 'rmse', metricThreshold: 3 };

/**
 * Binary traffic: each row's true probability is p (uniform over [0.05, 0.45], mean 0.25); the
 * model scores it p·scoreFactor, and the outcome is drawn with probability p·rateFactor. Factors
 * of 1: a calibrated model and no shift.
 */
function binary(rows: number, seed: number, { rateFactor = 1, scoreFactor = 1 } = {}): { labels: Float64Array; scores: Float64Array } {
  const next = seededRandom(seed);
  const labels = new Float64Array(rows);
  const scores = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const p = 0.05 + 0.4 * next();
    scores[i] = p * scoreFactor;
    labels[i] = next() < p * rateFactor ? 1 : 0;
  }
  return { labels, scores };
}

/** Regression traffic: label = x + noise (sd 1), x ~ N-ish over [0, 10]; the model predicts x; `shift` moves the labels. */
function regression(rows: number, seed: number, shift = 0): { labels: Float64Array; scores: Float64Array } {
  const next = seededRandom(seed);
  const labels = new Float64Array(rows);
  const scores = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const x = 10 * next();
    scores[i] = x;
    // The sum of 12 uniforms less 6: mean 0, sd 1.
    let noise = -6;
    for (let k = 0; k < 12; k++) noise += next();
    labels[i] = x + noise + shift;
  }
  return { labels, scores };
}

const moved = (window: OutcomeWindow): string[] => window.findings.filter((finding) => finding.moved).map((finding) => finding.statistic);

describe('outcome drift of a binary model', () => {
  it.each(SEEDS)('seed %i: a base rate that falls from 0.25 to 0.16, the inputs and scores unchanged, drifts on rate and calibration, not on AUC', (seed) => {
    const reference = outcomeReference('binary', ...Object.values(binary(5000, seed + 100)) as [Float64Array, Float64Array]);
    const live = binary(800, seed, { rateFactor: 0.64 });
    const window = judgeOutcomeWindow('binary', WINDOW, live.labels, live.scores, reference, BINARY);
    expect(window.verdict).toBe('drift');
    expect(moved(window).sort()).toEqual(['calibration gap', 'outcome rate shift']);
    expect(window.statistics.observedRate).toBeLessThan(0.19);
    expect(window.reason).toMatch(/^Outcome drift on 800 outcomes since the last check: .*positive rate 0\.1\d* against 0\.2\d* in the reference: outcome rate shift -0\.\d+, p [\d.e-]+, moved/);
  });

  it.each(SEEDS)('seed %i: a model that over-predicts by half drifts on calibration alone', (seed) => {
    const reference = outcomeReference('binary', ...Object.values(binary(5000, seed + 100)) as [Float64Array, Float64Array]);
    const live = binary(2000, seed, { scoreFactor: 1.5 });
    const window = judgeOutcomeWindow('binary', WINDOW, live.labels, live.scores, reference, BINARY);
    expect(moved(window)).toEqual(['calibration gap']);
  });

  it.each([1, 2, 3])('seed %i: no shift over 1,000,000 outcomes raises no alarm of any kind', (seed) => {
    const reference = outcomeReference('binary', ...Object.values(binary(20_000, seed + 100)) as [Float64Array, Float64Array]);
    const live = binary(1_000_000, seed);
    const window = judgeOutcomeWindow('binary', WINDOW, live.labels, live.scores, reference, { ...BINARY, ece: 0.02 });
    expect(window.verdict).toBe('no-drift');
    expect(moved(window)).toEqual([]);
    expect(window.findings.map((finding) => finding.statistic)).toEqual(['auc', 'calibration gap', 'ece', 'outcome rate shift']);
  });

  it('gives no verdict on too few outcomes, and says how many it had and needed', () => {
    const live = binary(150, 9, { rateFactor: 0.2 });
    const window = judgeOutcomeWindow('binary', { name: 'rolling', since: WINDOW.since }, live.labels, live.scores, undefined, BINARY);
    expect(window).toMatchObject({ verdict: 'insufficient-data', outcomes: 150, findings: [] });
    expect(window.reason).toBe('No verdict: 150 outcomes in the rolling window, fewer than the 200 needed.');
  });

  it('without a reference (a version trained before outcome references) still judges the metric and calibration', () => {
    const live = binary(2000, 4, { rateFactor: 0.5 });
    const window = judgeOutcomeWindow('binary', WINDOW, live.labels, live.scores, undefined, BINARY);
    expect(window.findings.map((finding) => finding.statistic)).toEqual(['auc', 'calibration gap']);
    expect(moved(window)).toEqual(['calibration gap']);
  });

  it('a small shift needs significance: 0.06 on 100 outcomes does not move, on 20,000 it does', () => {
    const reference = { kind: 'binary' as const, rows: 50_000, positiveRate: 0.25, meanPrediction: 0.25 };
    const few = { labels: Float64Array.from({ length: 100 }, (_, i) => (i < 19 ? 1 : 0)), scores: new Float64Array(100).fill(0.19) };
    const small = judgeOutcomeWindow('binary', WINDOW, few.labels, few.scores, reference, { ...BINARY, minOutcomes: 50, metric: 'logLoss', metricThreshold: 2 });
    expect(small.findings.find((finding) => finding.statistic === 'outcome rate shift')).toMatchObject({ moved: false });
    expect(small.findings.find((finding) => finding.statistic === 'outcome rate shift')!.detail).toMatch(/not significant \(p ≥ 0\.001\)$/);
    const many = { labels: Float64Array.from({ length: 20_000 }, (_, i) => (i < 3800 ? 1 : 0)), scores: new Float64Array(20_000).fill(0.19) };
    const large = judgeOutcomeWindow('binary', WINDOW, many.labels, many.scores, reference, { ...BINARY, metric: 'logLoss', metricThreshold: 2 });
    expect(large.findings.find((finding) => finding.statistic === 'outcome rate shift')).toMatchObject({ moved: true, threshold: 0.05 });
  });
});

describe('outcome drift of a regression model', () => {
  it.each(SEEDS)('seed %i: labels that move up by one unit (a third of a deviation) drift on the label mean and the residual bias', (seed) => {
    const reference = outcomeReference('regression', ...Object.values(regression(5000, seed + 100)) as [Float64Array, Float64Array]);
    const live = regression(1000, seed, 1);
    const window = judgeOutcomeWindow('regression', WINDOW, live.labels, live.scores, reference, REGRESSION);
    expect(moved(window).sort()).toEqual(['label mean shift', 'residual bias']);
    expect(window.statistics.residualMean).toBeGreaterThan(0.8);
    expect(window.statistics.p50).toBeGreaterThan(reference.kind === 'regression' ? reference.p50 : Number.NaN);
  });

  it.each(SEEDS)('seed %i: unchanged labels over 200,000 outcomes raise nothing', (seed) => {
    const reference = outcomeReference('regression', ...Object.values(regression(5000, seed + 100)) as [Float64Array, Float64Array]);
    const live = regression(200_000, seed);
    expect(moved(judgeOutcomeWindow('regression', WINDOW, live.labels, live.scores, reference, REGRESSION))).toEqual([]);
  });

  it('moves on the metric when live rmse passes the maximum', () => {
    const live = regression(500, 3, 4);
    const window = judgeOutcomeWindow('regression', WINDOW, live.labels, live.scores, undefined, REGRESSION);
    expect(window.findings[0]).toMatchObject({ statistic: 'rmse', moved: true, threshold: 3 });
    expect(window.findings[0]!.detail).toMatch(/^rmse 4\.\d+ above the maximum 3$/);
  });
});

describe('one verdict over the windows', () => {
  const window = (name: OutcomeWindow['name'], verdict: OutcomeWindow['verdict'], reason: string): OutcomeWindow => ({ name, since: WINDOW.since, outcomes: 0, verdict, reason, statistics: {}, findings: [] });
  it('drifts when any window drifted, with its reason; no verdict only when none could be judged', () => {
    expect(combineOutcomeWindows([window('since-last-check', 'insufficient-data', 'A.'), window('rolling', 'drift', 'B.')])).toEqual({ verdict: 'drift', reason: 'B.' });
    expect(combineOutcomeWindows([window('since-last-check', 'no-drift', 'A.'), window('rolling', 'insufficient-data', 'B.')])).toEqual({ verdict: 'no-drift', reason: 'A.' });
    expect(combineOutcomeWindows([window('since-last-check', 'insufficient-data', 'A.'), window('rolling', 'insufficient-data', 'B.')])).toEqual({ verdict: 'insufficient-data', reason: 'A. B.' });
  });
});

describe('the spec', () => {
  it('fills outcome-drift defaults a demanding user would accept, and refuses a p-value outside (0, 1)', () => {
    const base = { name: 'm', source: { uri: 'file:///tmp/x.csv', format: 'csv' }, label: { column: 'y', kind: 'binary' }, features: { numeric: ['x'] }, split: { by: 'hash', keys: ['x'] }, evaluation: { metric: 'auc', threshold: 0.6 } };
    const parsed = pipelineSpecSchema.parse(base);
    expect(parsed.drift.outcomes).toEqual({ window: '7 days', minOutcomes: 200, rateShift: 0.05, calibrationGap: 0.05, meanShift: 0.25, pValue: 0.001 });
    expect(() => pipelineSpecSchema.parse({ ...base, drift: { outcomes: { pValue: 1.5 } } })).toThrow(/must be a probability > 0 and < 1/);
  });
});
