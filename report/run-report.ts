/**
 * A training-pipeline run's report for a person: one self-contained HTML page with the data the
 * run saw, its training curves, the candidate's evaluation curves and how it compares with
 * production. Pure: manifests and the evaluation record in, HTML out.
 */
import type { EvaluateManifest, TrainManifest } from '../contracts/pipeline-run.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { isHigherBetter, isLowerBetter } from '../contracts/metric-direction.js';
import { formatCell } from '../format/numbers.js';
import { blessingWhy } from '../model/blessing.js';
import { downsample, MAX_SCATTER_POINTS } from '../model/curves.js';
import type { BinaryCurves, Curves, RegressionCurves } from '../model/curves.js';
import type { EvaluationRecord } from '../model/evaluation-record.js';
import type { ValidationReport } from '../tabular/report.js';
import { escapeHtml } from '../tabular/report-html.js';
import type { ReportSection } from './page.js';
import { renderPage } from './page.js';
import type { Series } from './run-charts.js';
import { barChart, calibrationChart, confusionChart, densityChart, lossChart, precisionRecallChart, rocChart, scatterChart } from './run-charts.js';
import type { ChartRequest } from './run-data.js';
import { dataSection } from './run-data.js';
import { renderChart } from './svg.js';

export interface RunReportInput {
  runId: string;
  spec: PipelineSpec;
  specHash: string;
  datasetVersion?: string;
  /** The validate step's report; absent when it could not be read. */
  validation?: ValidationReport;
  train: TrainManifest;
  evaluate: EvaluateManifest;
  /** The evaluate step's full record; absent when it could not be read. */
  evaluation?: EvaluationRecord;
}

/** Features in the importance chart, at most. */
const IMPORTANCE_BARS = 15;

export async function buildRunReport(input: RunReportInput): Promise<string> {
  const { spec, train, evaluate } = input;
  const data = dataSection(spec, input.validation);
  const parts: { section: Omit<ReportSection, 'charts'>; charts: ChartRequest[] }[] = [data, trainingSection(train), evaluationSection(input), comparisonSection(input)];
  const sections = await Promise.all(
    parts.map(async ({ section, charts }) => ({ ...section, charts: await Promise.all(charts.map(async ({ title, spec: chart }) => ({ title, svg: await renderChart(chart) }))) })),
  );
  const metric = evaluate.metrics[spec.evaluation.metric];
  const { baseline } = evaluate;
  return renderPage({
    title: `${spec.name}: run ${input.runId}`,
    facts: [
      ['Pipeline', spec.description ? `${spec.name} (${spec.description})` : spec.name],
      ['Run', input.runId],
      ['Spec hash', input.specHash],
      ['Dataset version', input.datasetVersion ?? 'unknown'],
      ['Label', `${spec.label.column} (${spec.label.kind})`],
      ['Model', `${spec.network.kind}, ${train.epochsRun} epochs on ${train.backend}${train.batchSize === undefined ? '' : ` in batches of ${train.batchSize}`}, best epoch ${train.bestEpoch}`],
      [`Test ${spec.evaluation.metric}`, metric === undefined ? 'unknown' : formatCell(metric)],
      ...(baseline ? [[`Baseline ${spec.evaluation.metric}`, `${formatCell(baseline.metrics[spec.evaluation.metric])} (${baseline.predictor})`] as [string, string]] : []),
      ['Blessed', `${evaluate.blessed ? 'yes' : 'no'}: ${blessingWhy(evaluate.reason)}`],
    ],
    sections,
  });
}

function trainingSection(train: TrainManifest): { section: Omit<ReportSection, 'charts'>; charts: ChartRequest[] } {
  const notes = [
    `${train.epochsRun} epochs; the model keeps the weights of epoch ${train.bestEpoch}. Last epoch: loss ${formatCell(train.loss)}, validation loss ${formatCell(train.valLoss)}.`,
    train.resumedFromEpoch === undefined ? '' : ` Resumed from the checkpoint of epoch ${train.resumedFromEpoch}.`,
    train.cached ? ' Reused from an earlier run with the same inputs.' : '',
  ].join('');
  if (!train.history?.length) {
    return { section: { id: 'training', title: 'Training', intro: `${notes} Per-epoch losses were not recorded (trained by an older ctrain).` }, charts: [] };
  }
  return { section: { id: 'training', title: 'Training', intro: notes }, charts: [{ title: 'Loss per epoch', spec: lossChart(train.history, train.bestEpoch) }] };
}

function evaluationSection({ evaluation, evaluate }: RunReportInput): { section: Omit<ReportSection, 'charts'>; charts: ChartRequest[] } {
  const section = { id: 'evaluation', title: 'Evaluation' };
  const curves = evaluation?.curves;
  if (!curves) return { section: { ...section, intro: 'This evaluation has no curves (evaluated by an older ctrain, or its record could not be read).' }, charts: [] };
  const production = evaluation.productionCurves?.kind === curves.kind ? evaluation.productionCurves : undefined;
  const productionName = `production v${evaluate.productionVersion ?? '?'}`;
  const models = (first: Curves, second?: Curves) => [{ label: 'candidate', curves: first }, ...(second ? [{ label: productionName, curves: second }] : [])];
  if (curves.kind === 'binary') return binaryEvaluation(section, models(curves, production) as { label: string; curves: BinaryCurves }[]);
  return regressionEvaluation(section, models(curves, production) as { label: string; curves: RegressionCurves }[]);
}

function binaryEvaluation(section: { id: string; title: string }, models: { label: string; curves: BinaryCurves }[]): { section: Omit<ReportSection, 'charts'>; charts: ChartRequest[] } {
  const candidate = models[0]!.curves;
  const figure = (name: (curves: BinaryCurves) => number | undefined) => models.map(({ label, curves }) => `${label} ${formatCell(name(curves))}`).join(', ');
  const charts: ChartRequest[] = [];
  if (models.some(({ curves }) => curves.roc)) {
    const series: Series<{ fpr: number; tpr: number }>[] = models.flatMap(({ label, curves }) => (curves.roc ? [{ label, points: curves.roc.points }] : []));
    charts.push({ title: `ROC curve (AUC ${figure((curves) => curves.roc?.auc)})`, spec: rocChart(series) });
  }
  if (models.some(({ curves }) => curves.precisionRecall)) {
    const series = models.flatMap(({ label, curves }) => (curves.precisionRecall ? [{ label, points: curves.precisionRecall.points }] : []));
    charts.push({ title: `Precision-recall curve (average precision ${figure((curves) => curves.precisionRecall?.averagePrecision)})`, spec: precisionRecallChart(series) });
  }
  const reliability = models.map(({ label, curves }) => ({
    label,
    points: curves.calibration.flatMap(({ meanPredicted, fractionPositive, count }) => (meanPredicted === null || fractionPositive === null ? [] : [{ meanPredicted, fractionPositive, count }])),
  }));
  charts.push({ title: 'Calibration (reliability)', spec: calibrationChart(reliability) });
  const { confusion } = candidate;
  charts.push({ title: `Confusion matrix of the candidate at threshold ${confusion.threshold}`, spec: confusionChart(confusion) });
  const intro = `The candidate on ${candidate.rows} test rows, ${candidate.positives} of them positive. At threshold ${confusion.threshold}: ${confusion.tp} true positives, ${confusion.fp} false positives, ${confusion.fn} false negatives, ${confusion.tn} true negatives.`;
  return { section: { ...section, intro }, charts };
}

function regressionEvaluation(section: { id: string; title: string }, models: { label: string; curves: RegressionCurves }[]): { section: Omit<ReportSection, 'charts'>; charts: ChartRequest[] } {
  const candidate = models[0]!.curves;
  // Overlaid, each model gets half the points, so the chart stays one size.
  const scatter = models.map(({ label, curves }) => ({ label, points: downsample(curves.scatter, Math.ceil(MAX_SCATTER_POINTS / models.length)) }));
  const residuals = models.map(({ label, curves }) => ({ label, points: curves.residuals }));
  const points = scatter[0]!.points.length;
  const shown = points < candidate.rows ? `${points} of ${candidate.rows} test rows, evenly spread` : `all ${candidate.rows} test rows`;
  return {
    section: { ...section, intro: `Predicted against actual for ${shown}; residuals (actual minus predicted) over every test row.` },
    charts: [
      { title: 'Predicted vs actual', spec: scatterChart(scatter) },
      { title: 'Residuals', spec: densityChart(residuals, 'residual (actual − predicted)') },
    ],
  };
}

function comparisonSection({ evaluate, evaluation, spec }: RunReportInput): { section: Omit<ReportSection, 'charts'>; charts: ChartRequest[] } {
  const production = evaluate.productionMetrics;
  const productionName = `production v${evaluate.productionVersion ?? '?'}`;
  const verdict = `<p class="verdict ${evaluate.blessed ? 'pass' : 'fail'}">${evaluate.blessed ? 'Blessed' : 'Not blessed'}: ${escapeHtml(blessingWhy(evaluate.reason))}</p>`;
  const baseline = evaluate.baseline;
  const names = [...new Set([...Object.keys(evaluate.metrics), ...Object.keys(production ?? {})])];
  const metricRows = names.map((name) => {
    const ours = evaluate.metrics[name];
    const theirs = production?.[name];
    const difference = ours !== undefined && theirs !== undefined ? ours - theirs : undefined;
    const trivial = baseline?.metrics[name];
    const gap = ours !== undefined && trivial !== undefined ? ours - trivial : undefined;
    const label = name === spec.evaluation.metric ? `<strong>${escapeHtml(name)}</strong> (gate)` : escapeHtml(name);
    const productionCells = production ? `<td class="num">${formatCell(theirs)}</td><td class="num ${judge(name, difference)}">${signed(difference)}</td>` : '';
    const baselineCells = baseline ? `<td class="num">${formatCell(trivial)}</td><td class="num ${judge(name, gap)}">${signed(gap)}</td>` : '';
    return `<tr><td>${label}</td><td class="num">${formatCell(ours)}</td>${productionCells}${baselineCells}</tr>`;
  });
  const head = `<tr><th>Metric</th><th>Candidate</th>${production ? `<th>${escapeHtml(productionName)}</th><th>Difference</th>` : ''}${baseline ? '<th>Baseline</th><th>Candidate − baseline</th>' : ''}</tr>`;
  const metricsTable = `<table><thead>${head}</thead><tbody>${metricRows.join('')}</tbody></table>`;
  const alone = production ? '' : '<p>No production model was compared: this is the first version, or it is the production model itself.</p>';
  const trivial = baseline ? `<p>Baseline: the trivial predictor (${escapeHtml(baseline.predictor)}, from the training split) on the same test rows; a model must beat it to be worth serving.</p>` : '';
  const charts: ChartRequest[] = [];
  const importance = evaluation?.importance ?? [];
  if (importance.length > 0) {
    const bars = importance.slice(0, IMPORTANCE_BARS).map((entry) => ({ label: entry.feature, value: entry.importance, error: entry.std }));
    charts.push({ title: `Permutation importance (loss of ${evaluation?.metric ?? spec.evaluation.metric} when shuffled)`, spec: barChart(bars, `${evaluation?.metric ?? spec.evaluation.metric} lost`) });
  }
  return { section: { id: 'comparison', title: 'Candidate versus production', lead: verdict + metricsTable + trivial + alone, html: sliceTable(evaluate, evaluation, spec.evaluation.metric, productionName) }, charts };
}

function sliceTable(evaluate: EvaluateManifest, evaluation: EvaluationRecord | undefined, metric: string, productionName: string): string {
  const slices = evaluation?.slices ?? [];
  if (slices.length === 0) return '';
  const worst = evaluate.worstSlice;
  const withProduction = (evaluation?.productionSlices?.length ?? 0) > 0;
  const rows = slices.map((slice) => {
    const theirs = evaluation?.productionSlices?.find((other) => other.column === slice.column && other.value === slice.value)?.metrics[metric];
    const ours = slice.metrics[metric];
    const isWorst = worst?.column === slice.column && worst.value === slice.value;
    const difference = ours !== undefined && theirs !== undefined ? ours - theirs : undefined;
    return `<tr class="${isWorst ? 'warning' : ''}"><td>${escapeHtml(slice.column)}</td><td>${escapeHtml(slice.value)}${isWorst ? ' (worst)' : ''}</td><td class="num">${slice.rows}</td><td class="num">${formatCell(ours)}</td>${withProduction ? `<td class="num">${formatCell(theirs)}</td><td class="num ${judge(metric, difference)}">${signed(difference)}</td>` : ''}</tr>`;
  });
  const head = `<tr><th>Column</th><th>Value</th><th>Rows</th><th>Candidate ${escapeHtml(metric)}</th>${withProduction ? `<th>${escapeHtml(productionName)}</th><th>Difference</th>` : ''}</tr>`;
  const worstLine = worst ? `<p>Worst slice: ${escapeHtml(worst.column)}=${escapeHtml(worst.value)}, ${formatCell(worst.regression)} worse than production on ${escapeHtml(metric)}.</p>` : '';
  return `<h3>Metrics per slice</h3>${worstLine}<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

/** 'pass' when the difference favours the candidate, 'fail' when it favours production, '' for counts. */
function judge(metric: string, difference: number | undefined): string {
  if (difference === undefined || !Number.isFinite(difference) || difference === 0) return '';
  if (isHigherBetter(metric)) return difference > 0 ? 'pass' : 'fail';
  // Calibration error is reported beside the blessing metrics, not one of them; smaller is better too.
  if (isLowerBetter(metric) || metric === 'expectedCalibrationError') return difference < 0 ? 'pass' : 'fail';
  return '';
}

const signed = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? '—' : `${value > 0 ? '+' : ''}${formatCell(value)}`);
