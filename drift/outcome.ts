/**
 * Outcome drift: what the outcomes fed back say about one window of a version's traffic. The
 * blessing metric alone misses a shift of the base rate (AUC ignores it), so each window is also
 * judged on calibration (mean prediction against the observed rate) and on the outcome
 * distribution against the reference rows' (the test split's). A statistic moves only when its
 * effect passes the spec's threshold and, where a test applies, is significant: on a large
 * window a tiny, real difference must not alarm, and on a small one noise must not.
 */
import type { OutcomeFinding, OutcomeWindow } from '../contracts/drift-check.js';
import { isLowerBetter } from '../contracts/metric-direction.js';
import { formatNumber } from '../format/numbers.js';
import type { BlessingMetric } from '../model/blessing.js';
import { binaryMetrics, regressionMetrics } from '../model/metrics.js';
import type { Task } from '../model/network.js';
import { upperNormalTail } from '../statistics/normal.js';
import { liveMetric } from './performance.js';
import { quantile } from './psi.js';
import type { OutcomeReference } from './reference.js';

export interface OutcomeThresholds {
  /** The blessing metric and its bar (a minimum, or a maximum for lower-is-better metrics). */
  metric: BlessingMetric;
  metricThreshold: number;
  /** Outcomes a window needs before it is judged. */
  minOutcomes: number;
  /** Binary: the observed positive rate's distance from the reference's that counts. */
  rateShift: number;
  /** Binary: the observed rate's distance from the mean prediction that counts. */
  calibrationGap: number;
  /** Binary: expected calibration error above which the window drifts; absent: reported, not judged. */
  ece?: number;
  /** Regression: the label mean's shift, and the residuals' mean, in reference standard deviations, that count. */
  meanShift: number;
  /** A shift must also be this significant (two-sided p-value below it). */
  pValue: number;
}

/** The reference of the test split's labels and the candidate's scores on them. */
export function outcomeReference(task: Task, labels: ArrayLike<number>, scores: ArrayLike<number>): OutcomeReference {
  if (labels.length === 0) throw new RangeError('an outcome reference needs at least one labelled row');
  if (task === 'binary') return { kind: 'binary', rows: labels.length, positiveRate: mean(labels), meanPrediction: mean(scores) };
  const sorted = Float64Array.from(labels).sort();
  const residuals = Float64Array.from(labels, (label, i) => label - (scores[i] ?? Number.NaN));
  return { kind: 'regression', rows: labels.length, mean: mean(labels), std: std(labels), p10: quantile(sorted, 0.1), p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), residualMean: mean(residuals) };
}

/**
 * Judges one window's outcomes (labels, and the scores served for them). Fewer than
 * minOutcomes: no verdict, said so. Without a reference (a version trained before outcome
 * references existed) the distribution is not compared; calibration and the metric still are.
 */
export function judgeOutcomeWindow(
  task: Task,
  window: { name: OutcomeWindow['name']; since: string },
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  reference: OutcomeReference | undefined,
  thresholds: OutcomeThresholds,
): OutcomeWindow {
  const n = labels.length;
  const where = window.name === 'rolling' ? 'in the rolling window' : 'since the last check';
  if (n < thresholds.minOutcomes) {
    const reason = `No verdict: ${n} outcome${n === 1 ? '' : 's'} ${where}, fewer than the ${thresholds.minOutcomes} needed.`;
    return { ...window, outcomes: n, verdict: 'insufficient-data', reason, statistics: {}, findings: [] };
  }
  const { statistics, findings } = task === 'binary' ? binaryFindings(labels, scores, reference, thresholds) : regressionFindings(labels, scores, reference, thresholds);
  findings.unshift(metricFinding(task, labels, scores, thresholds, statistics));
  const moved = findings.filter((finding) => finding.moved);
  const on = `on ${n} outcomes ${where}`;
  const reason = moved.length > 0 ? `Outcome drift ${on}: ${moved.map((finding) => finding.detail).join('; ')}.` : `No outcome drift ${on}: ${findings.map((finding) => finding.detail).join('; ')}.`;
  return { ...window, outcomes: n, verdict: moved.length > 0 ? 'drift' : 'no-drift', reason, statistics, findings };
}

/** One verdict from the windows: drift when any drifted, no verdict when none could be judged. */
export function combineOutcomeWindows(windows: readonly OutcomeWindow[]): { verdict: OutcomeWindow['verdict']; reason: string } {
  const drifted = windows.filter((window) => window.verdict === 'drift');
  if (drifted.length > 0) return { verdict: 'drift', reason: drifted.map((window) => window.reason).join(' ') };
  const judged = windows.filter((window) => window.verdict === 'no-drift');
  if (judged.length > 0) return { verdict: 'no-drift', reason: judged.map((window) => window.reason).join(' ') };
  return { verdict: 'insufficient-data', reason: windows.map((window) => window.reason).join(' ') };
}

function metricFinding(task: Task, labels: ArrayLike<number>, scores: ArrayLike<number>, thresholds: OutcomeThresholds, statistics: Record<string, number>): OutcomeFinding {
  const { metric, metricThreshold } = thresholds;
  const value = liveMetric(task, metric, labels, scores);
  statistics[metric] = value;
  const lower = isLowerBetter(metric);
  if (!Number.isFinite(value)) return { statistic: metric, value, threshold: metricThreshold, moved: false, detail: `${metric} not computable (for auc, the outcomes hold one class)` };
  const moved = lower ? value > metricThreshold : value < metricThreshold;
  return { statistic: metric, value, threshold: metricThreshold, moved, detail: `${metric} ${formatNumber(value)} ${moved ? (lower ? 'above' : 'below') : 'meets'} the ${lower ? 'maximum' : 'minimum'} ${formatNumber(metricThreshold)}` };
}

function binaryFindings(labels: ArrayLike<number>, scores: ArrayLike<number>, reference: OutcomeReference | undefined, thresholds: OutcomeThresholds) {
  const n = labels.length;
  const metrics = binaryMetrics(labels, scores);
  const observedRate = mean(labels);
  const meanPrediction = mean(scores);
  let brier = 0;
  let binomialVariance = 0;
  for (let i = 0; i < n; i++) {
    const score = scores[i]!;
    brier += (score - labels[i]!) ** 2;
    binomialVariance += score * (1 - score);
  }
  const statistics: Record<string, number> = { observedRate, meanPrediction, brier: brier / n, logLoss: metrics.logLoss, ece: metrics.calibration.ece };
  const findings: OutcomeFinding[] = [];

  // Calibration in the large: were the model calibrated, the positives would number sum(score) ± sqrt(sum(score·(1−score))).
  const gap = observedRate - meanPrediction;
  const gapP = twoSided((gap * n) / Math.sqrt(Math.max(binomialVariance, Number.MIN_VALUE)));
  findings.push(
    shiftFinding('calibration gap', gap, thresholds.calibrationGap, gapP, thresholds.pValue, `observed rate ${formatNumber(observedRate)} against mean prediction ${formatNumber(meanPrediction)}`),
  );
  if (thresholds.ece !== undefined) {
    const moved = statistics.ece! > thresholds.ece;
    findings.push({ statistic: 'ece', value: statistics.ece!, threshold: thresholds.ece, moved, detail: `expected calibration error ${formatNumber(statistics.ece!)} ${moved ? 'above' : 'within'} ${formatNumber(thresholds.ece)}` });
  }
  if (reference?.kind === 'binary') {
    // Two proportions, pooled: this window's against the reference rows'.
    const shift = observedRate - reference.positiveRate;
    const pooled = (observedRate * n + reference.positiveRate * reference.rows) / (n + reference.rows);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / reference.rows));
    statistics.referenceRate = reference.positiveRate;
    findings.push(shiftFinding('outcome rate shift', shift, thresholds.rateShift, twoSided(shift / Math.max(se, Number.MIN_VALUE)), thresholds.pValue, `positive rate ${formatNumber(observedRate)} against ${formatNumber(reference.positiveRate)} in the reference`));
  }
  return { statistics, findings };
}

function regressionFindings(labels: ArrayLike<number>, scores: ArrayLike<number>, reference: OutcomeReference | undefined, thresholds: OutcomeThresholds) {
  const n = labels.length;
  const sorted = Float64Array.from(labels).sort();
  const residuals = Float64Array.from(labels, (label, i) => label - scores[i]!);
  const metrics = regressionMetrics(labels, scores);
  const statistics: Record<string, number> = {
    labelMean: mean(labels),
    labelStd: std(labels),
    p10: quantile(sorted, 0.1),
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    residualMean: mean(residuals),
    residualStd: std(residuals),
    rmse: metrics.rmse,
    mae: metrics.mae,
  };
  const findings: OutcomeFinding[] = [];
  if (reference?.kind !== 'regression') return { statistics, findings };
  // Effects in the reference's label deviations, so one threshold serves any unit.
  const scale = reference.std > 0 ? reference.std : 1;
  const labelSe = Math.sqrt(statistics.labelStd! ** 2 / n + reference.std ** 2 / reference.rows);
  const labelShift = (statistics.labelMean! - reference.mean) / scale;
  findings.push(
    shiftFinding('label mean shift', labelShift, thresholds.meanShift, twoSided((statistics.labelMean! - reference.mean) / Math.max(labelSe, Number.MIN_VALUE)), thresholds.pValue, `label mean ${formatNumber(statistics.labelMean!)} against ${formatNumber(reference.mean)} in the reference (deviations of ${formatNumber(scale)})`),
  );
  const bias = (statistics.residualMean! - reference.residualMean) / scale;
  const biasSe = statistics.residualStd! / Math.sqrt(n);
  findings.push(
    shiftFinding('residual bias', bias, thresholds.meanShift, twoSided((statistics.residualMean! - reference.residualMean) / Math.max(biasSe, Number.MIN_VALUE)), thresholds.pValue, `mean residual ${formatNumber(statistics.residualMean!)} against ${formatNumber(reference.residualMean)} in the reference`),
  );
  return { statistics, findings };
}

/** A shift that moves when both its size reaches the threshold and its test is significant. */
function shiftFinding(statistic: string, value: number, threshold: number, pValue: number, alpha: number, what: string): OutcomeFinding {
  const large = Math.abs(value) >= threshold;
  const significant = pValue < alpha;
  const moved = large && significant;
  const verdict = moved ? 'moved' : !large ? `within ±${formatNumber(threshold)}` : `not significant (p ≥ ${formatNumber(alpha)})`;
  return { statistic, value, threshold, pValue, moved, detail: `${what}: ${statistic} ${signed(value)}, p ${formatP(pValue)}, ${verdict}${moved ? ` (threshold ±${formatNumber(threshold)}, p < ${formatNumber(alpha)})` : ''}` };
}

function twoSided(z: number): number {
  return Number.isFinite(z) ? Math.min(1, 2 * upperNormalTail(Math.abs(z))) : 0;
}

function signed(value: number): string {
  return `${value > 0 ? '+' : ''}${formatNumber(value)}`;
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : formatNumber(p);
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i]! - m) ** 2;
  return values.length > 1 ? Math.sqrt(sum / (values.length - 1)) : 0;
}
