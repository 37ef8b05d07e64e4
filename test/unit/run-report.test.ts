import { beforeAll, describe, expect, it } from 'vitest';
import type { EvaluateManifest, TrainManifest } from '../../contracts/pipeline-run.js';
import { binaryCurves, regressionCurves } from '../../model/curves.js';
import type { EvaluationRecord } from '../../model/evaluation-record.js';
import { loadPipeline } from '../../pipelines/index.js';
import { densityBins } from '../../report/run-data.js';
import { buildRunReport } from '../../report/run-report.js';
import type { ValidationReport } from '../../tabular/report.js';
import { buildValidationReport } from '../../tabular/report.js';
import { computeStatistics } from '../../tabular/statistics.js';

const ref = (key: string) => ({ bucket: 'ctrain-artifacts', key });
const base = { cacheKey: 'k', cached: false, contentHash: 'h', finishedAt: '2024-01-01T00:00:00.000Z' };

const train: TrainManifest = {
  ...base,
  step: 'train',
  modelArtifact: ref('model.bin'),
  backend: 'wasm',
  epochsRun: 4,
  bestEpoch: 3,
  loss: 0.41,
  valLoss: 0.47,
  history: [
    { epoch: 1, loss: 0.62, valLoss: 0.6 },
    { epoch: 2, loss: 0.5, valLoss: 0.52 },
    { epoch: 3, loss: 0.45, valLoss: 0.4567 },
    { epoch: 4, loss: 0.41, valLoss: 0.47 },
  ],
};

/** The charts of a page: each figure's caption, and whether an SVG follows it. */
function charts(html: string): string[] {
  return [...html.matchAll(/<figcaption>([^<]*)<\/figcaption>(<svg)?/g)].map((match) => `${match[1]}${match[2] ? '' : ' (no svg)'}`);
}

function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('the run report of a binary model compared with production', () => {
  let html: string;
  let validation: ValidationReport;
  beforeAll(async () => {
    const spec = loadPipeline('flight-delay');
    const rows = Array.from({ length: 200 }, (_, i) => ({ date: '2001-01-01T08:00:00', delay: (i * 37) % 90 - 10, distance: 200 + ((i * 53) % 1800), origin: ['SEA', 'LAX', 'ORD'][i % 3]!, destination: ['SFO', 'DEN'][i % 2]! }));
    validation = buildValidationReport({ dataset: 'flight-delay@abc', statistics: await computeStatistics(rows), anomalies: [{ severity: 'warning', code: 'unseen_categories', column: 'origin', message: 'origin has values <never> seen' }] });
    const labels = [1, 0, 1, 1, 0];
    const evaluate: EvaluateManifest = {
      ...base,
      step: 'evaluate',
      metrics: { auc: 0.6667, accuracy: 0.8, rows: 5 },
      productionMetrics: { auc: 0.5, accuracy: 0.6, rows: 5 },
      productionVersion: 2,
      blessed: true,
      reason: 'Blessed: candidate auc 0.6667 meets the minimum 0.6 & beats production',
      evaluation: ref('evaluation.json'),
      driftReference: ref('drift.json'),
      worstSlice: { column: 'origin', value: 'SEA', candidate: 0.55, production: 0.6, regression: 0.05 },
      topFeatures: ['date.hour', 'origin'],
    };
    const evaluation: EvaluationRecord = {
      metric: 'auc',
      metrics: evaluate.metrics,
      productionMetrics: evaluate.productionMetrics,
      productionVersion: 2,
      blessed: true,
      reason: evaluate.reason,
      slices: [{ column: 'origin', value: 'SEA', rows: 40, metrics: { auc: 0.55 } }, { column: 'origin', value: 'LAX', rows: 35, metrics: { auc: 0.7 } }],
      productionSlices: [{ column: 'origin', value: 'SEA', rows: 40, metrics: { auc: 0.6 } }, { column: 'origin', value: 'LAX', rows: 35, metrics: { auc: 0.65 } }],
      worstSlice: evaluate.worstSlice,
      importance: [{ feature: 'date.hour', importance: 0.031, std: 0.004 }, { feature: 'origin', importance: 0.012, std: 0.002 }, { feature: 'distance', importance: 0.001, std: 0.001 }],
      curves: binaryCurves(labels, [0.9, 0.8, 0.7, 0.6, 0.2]),
      productionCurves: binaryCurves(labels, [0.5, 0.9, 0.4, 0.6, 0.3]),
    };
    html = await buildRunReport({ runId: 'flight-delay.train.1', spec, specHash: 'f00d', datasetVersion: 'abc', validation, train, evaluate, evaluation });
  });

  it('is one HTML page with the run’s facts and the four sections', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    for (const id of ['data', 'training', 'evaluation', 'comparison']) expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('<title>flight-delay: run flight-delay.train.1</title>');
    expect(html).toContain('<dt>Spec hash</dt><dd>f00d</dd>');
    expect(html).toContain('<dt>Dataset version</dt><dd>abc</dd>');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('charts each section: columns, losses, ROC, precision-recall, calibration, confusion, importance', () => {
    expect(charts(html)).toEqual([
      'delay: distribution',
      'distance: distribution',
      'origin: most frequent values',
      'destination: most frequent values',
      'Loss per epoch',
      // By hand. AUC: the candidate wins 4 of 6 (positive, negative) pairs; production's positives beat only the negative 0.3: 3 of 6.
      // Average precision: candidate 1/3 x (1 + 2/3 + 3/4) = 29/36; production (0.9 is a negative) 1/3 x (1/2 + 2/3 + 3/4) = 23/36.
      'ROC curve (AUC candidate 0.6667, production v2 0.5)',
      'Precision-recall curve (average precision candidate 0.8056, production v2 0.6389)',
      'Calibration (reliability)',
      'Confusion matrix of the candidate at threshold 0.5',
      'Permutation importance (loss of auc when shuffled)',
    ]);
    expect(html.match(/<svg/g)).toHaveLength(10);
  });

  it('shows the data the run saw: verdict, anomalies and a row per column', () => {
    const data = section(html, 'data');
    expect(data).toContain('Passed validation: 0 errors, 1 warnings · 200 rows · 5 columns');
    expect(data).toContain('origin has values &lt;never&gt; seen');
    expect(data).toMatch(/<td>distance<\/td><td>numeric<\/td><td>200<\/td>/);
  });

  it('marks the best epoch and gives the losses', () => {
    const training = section(html, 'training');
    expect(training).toContain('4 epochs; the model keeps the weights of epoch 3. Last epoch: loss 0.41, validation loss 0.47.');
    expect(training).toContain('best epoch 3');
    expect(training).toContain('validation');
  });

  it('writes the confusion counts in the evaluation', () => {
    const evaluation = section(html, 'evaluation');
    expect(evaluation).toContain('The candidate on 5 test rows, 3 of them positive. At threshold 0.5: 3 true positives, 1 false positives, 0 false negatives, 1 true negatives.');
    // Both models in the overlaid charts' legends.
    expect(evaluation).toContain('production v2');
  });

  it('compares metrics, slices and importance with production, blessing and reason first', () => {
    const comparison = section(html, 'comparison');
    expect(comparison).toContain('<p class="verdict pass">Blessed: candidate auc 0.6667 meets the minimum 0.6 &amp; beats production</p>');
    expect(comparison).toContain('<tr><td><strong>auc</strong> (gate)</td><td class="num">0.6667</td><td class="num">0.5</td><td class="num pass">+0.1667</td></tr>');
    expect(comparison).toContain('<tr><td>accuracy</td><td class="num">0.8</td><td class="num">0.6</td><td class="num pass">+0.2</td></tr>');
    expect(comparison).toContain('Worst slice: origin=SEA, 0.05 worse than production on auc.');
    expect(comparison).toContain('<tr class="warning"><td>origin</td><td>SEA (worst)</td><td class="num">40</td><td class="num">0.55</td><td class="num">0.6</td><td class="num fail">-0.05</td></tr>');
    expect(comparison).toContain('date.hour');
  });
});

describe('the run report of a regression model', () => {
  const spec = loadPipeline('seattle-temperature');
  const evaluate: EvaluateManifest = {
    ...base,
    step: 'evaluate',
    metrics: { rmse: 3.21, mae: 2.5, r2: 0.8, rows: 4 },
    blessed: false,
    reason: 'Not blessed: candidate rmse 3.21 is above the maximum 3',
    evaluation: ref('evaluation.json'),
    driftReference: ref('drift.json'),
  };
  const evaluation: EvaluationRecord = {
    metric: 'rmse',
    metrics: evaluate.metrics,
    blessed: false,
    reason: evaluate.reason,
    slices: [],
    importance: [{ feature: 'temp_min', importance: 2.5, std: 0.1 }],
    curves: regressionCurves([10, 12, 15, 20], [11, 12, 13, 22]),
  };

  it('plots predicted against actual and the residuals, without binary charts or a production column', async () => {
    const html = await buildRunReport({ runId: 'seattle.train.1', spec, specHash: 'beef', datasetVersion: 'v1', train, evaluate, evaluation });
    expect(charts(html)).toEqual(['Loss per epoch', 'Predicted vs actual', 'Residuals', 'Permutation importance (loss of rmse when shuffled)']);
    expect(html).toContain('Predicted against actual for all 4 test rows');
    expect(html).toContain('<p class="verdict fail">Not blessed: candidate rmse 3.21 is above the maximum 3</p>');
    expect(html).toContain('<tr><th>Metric</th><th>Candidate</th></tr>');
    expect(html).toContain('No production model was compared');
    expect(section(html, 'data')).toContain('could not be read');
  });

  it('puts the trivial baseline beside the candidate, with the gap, and says what it predicts', async () => {
    const baseline = { predictor: 'mean 16.1', value: 16.1, metrics: { rmse: 7.3, mae: 6.1, r2: -0.02, rows: 4 } };
    const refused = { ...evaluate, baseline, reason: 'Not blessed: rmse 7.4 does not beat the baseline (mean 16.1) 7.3.' };
    const html = await buildRunReport({ runId: 'seattle.train.2', spec, specHash: 'beef', datasetVersion: 'v1', train, evaluate: refused, evaluation: { ...evaluation, baseline } });
    expect(html).toContain('<dt>Baseline rmse</dt><dd>7.3 (mean 16.1)</dd>');
    expect(html).toContain('<p class="verdict fail">Not blessed: rmse 7.4 does not beat the baseline (mean 16.1) 7.3.</p>');
    expect(html).toContain('<tr><th>Metric</th><th>Candidate</th><th>Baseline</th><th>Candidate − baseline</th></tr>');
    expect(html).toContain('<tr><td><strong>rmse</strong> (gate)</td><td class="num">3.21</td><td class="num">7.3</td><td class="num pass">-4.09</td></tr>');
    expect(html).toContain('<tr><td>r2</td><td class="num">0.8</td><td class="num">-0.02</td><td class="num pass">+0.82</td></tr>');
    expect(html).toContain('the trivial predictor (mean 16.1, from the training split)');
  });

  it('says what is missing when the run predates histories and curves', async () => {
    const html = await buildRunReport({ runId: 'seattle.train.0', spec, specHash: 'beef', train: { ...train, history: undefined, cached: true }, evaluate, evaluation: { ...evaluation, curves: undefined } });
    expect(charts(html)).toEqual(['Permutation importance (loss of rmse when shuffled)']);
    expect(section(html, 'training')).toContain('Per-epoch losses were not recorded');
    expect(section(html, 'training')).toContain('Reused from an earlier run');
    expect(section(html, 'evaluation')).toContain('This evaluation has no curves');
    expect(html).toContain('<dt>Dataset version</dt><dd>unknown</dd>');
  });
});

describe('densityBins', () => {
  it('spreads each quantile bin’s share over its width, the outer bins ending at min and max', () => {
    const column = { name: 'x', kind: 'numeric' as const, count: 10, nulls: 0, min: 0, max: 10, mean: 5, std: 1, quantiles: { p01: 1, p05: 1, p25: 2, p50: 5, p75: 8, p95: 9, p99: 9 }, histogram: { edges: [1, 2, 5, 8, 9], counts: [1, 1, 3, 3, 1, 1], source: 'exact' as const } };
    const bins = densityBins(column);
    // Shares 1/10, 1/10, 3/10, 3/10, 1/10, 1/10 over widths 1, 1, 3, 3, 1, 1: a flat 0.1 per unit.
    expect(bins.map(({ lower, upper }) => [lower, upper])).toEqual([[0, 1], [1, 2], [2, 5], [5, 8], [8, 9], [9, 10]]);
    for (const bin of bins) expect(bin.value).toBeCloseTo(0.1, 12);
  });
});
