/**
 * What a run report plots, as pure functions over labels and model outputs: ROC and
 * precision-recall curves, the reliability table and the confusion matrix for binary models,
 * predicted against actual and the residuals for regression. Point lists are downsampled so the
 * evaluation object stays small whatever the size of the test split.
 */
import { significant } from '../format/numbers.js';
import { calibration } from './metrics.js';
import type { CalibrationBin } from './metrics.js';
import type { EpochLog } from './types.js';

type Values = ArrayLike<number>;

/** Most points kept per curve. */
export const MAX_CURVE_POINTS = 200;
/** Most (actual, predicted) pairs kept for a regression's scatter plot. */
export const MAX_SCATTER_POINTS = 2_000;
/** Equal-width bins of the residuals histogram. */
export const RESIDUAL_BINS = 20;

/** One threshold of a curve: rows scoring at or above `threshold` count as positive; null before the highest score (nothing positive). */
export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number | null;
}

export interface PrecisionRecallPoint {
  recall: number;
  precision: number;
  threshold: number | null;
}

export interface ConfusionMatrix {
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface BinaryCurves {
  kind: 'binary';
  rows: number;
  positives: number;
  /** Absent when the test rows hold only one class. */
  roc?: { auc: number; points: RocPoint[] };
  /** Absent without positive rows. `averagePrecision` is the sum of precision times recall gained over thresholds (scikit-learn's definition). */
  precisionRecall?: { averagePrecision: number; points: PrecisionRecallPoint[] };
  /** Ten equal-width bins of predicted probability (empty bins have null means). */
  calibration: CalibrationBin[];
  confusion: ConfusionMatrix;
}

/** One equal-width bin of residuals (actual minus predicted); the last bin includes its upper edge. */
export interface ResidualBin {
  lower: number;
  upper: number;
  count: number;
}

export interface RegressionCurves {
  kind: 'regression';
  rows: number;
  /** Evenly strided test rows, at most {@link MAX_SCATTER_POINTS}, values to six significant digits. */
  scatter: { actual: number; predicted: number }[];
  /** Over every test row, not only the scatter's. */
  residuals: ResidualBin[];
}

export type Curves = BinaryCurves | RegressionCurves;

/** The curves of a task's model on its test split. */
export function evaluationCurves(task: 'binary' | 'regression', labels: Values, scores: Values): Curves {
  return task === 'binary' ? binaryCurves(labels, scores) : regressionCurves(labels, scores);
}

export function binaryCurves(labels: Values, scores: Values, threshold = 0.5): BinaryCurves {
  checkPaired(labels, scores);
  const steps = thresholdSteps(labels, scores);
  const positives = steps.at(-1)?.tp ?? 0;
  const negatives = labels.length - positives;
  const curves: BinaryCurves = { kind: 'binary', rows: labels.length, positives, calibration: calibration(labels, scores).bins, confusion: confusionAt(labels, scores, threshold) };
  if (positives > 0 && negatives > 0) {
    const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: null }, ...steps.map((step) => ({ fpr: step.fp / negatives, tpr: step.tp / positives, threshold: step.threshold }))];
    let area = 0;
    for (let i = 1; i < points.length; i++) area += ((points[i]!.fpr - points[i - 1]!.fpr) * (points[i]!.tpr + points[i - 1]!.tpr)) / 2;
    curves.roc = { auc: area, points: downsample(points, MAX_CURVE_POINTS) };
  }
  if (positives > 0) {
    const points: PrecisionRecallPoint[] = [{ recall: 0, precision: 1, threshold: null }, ...steps.map((step) => ({ recall: step.tp / positives, precision: step.tp / (step.tp + step.fp), threshold: step.threshold }))];
    let averagePrecision = 0;
    for (let i = 1; i < points.length; i++) averagePrecision += (points[i]!.recall - points[i - 1]!.recall) * points[i]!.precision;
    curves.precisionRecall = { averagePrecision, points: downsample(points, MAX_CURVE_POINTS) };
  }
  return curves;
}

export function regressionCurves(labels: Values, predictions: Values): RegressionCurves {
  checkPaired(labels, predictions);
  const n = labels.length;
  const sampled = n <= MAX_SCATTER_POINTS ? n : MAX_SCATTER_POINTS;
  const scatter = Array.from({ length: sampled }, (_, i) => {
    const row = Math.floor((i * n) / sampled);
    return { actual: sixDigits(labels[row]!), predicted: sixDigits(predictions[row]!) };
  });
  const residuals = Array.from({ length: n }, (_, i) => labels[i]! - predictions[i]!);
  return { kind: 'regression', rows: n, scatter, residuals: equalWidthBins(residuals, RESIDUAL_BINS) };
}

/** Counts of `values` in `binCount` equal-width bins from their minimum to their maximum; one bin when all are equal. */
export function equalWidthBins(values: readonly number[], binCount: number): ResidualBin[] {
  if (values.length === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  if (min === max) return [{ lower: min, upper: max, count: values.length }];
  const width = (max - min) / binCount;
  const bins = Array.from({ length: binCount }, (_, i) => ({ lower: min + i * width, upper: i === binCount - 1 ? max : min + (i + 1) * width, count: 0 }));
  for (const value of values) bins[Math.min(Math.floor((value - min) / width), binCount - 1)]!.count++;
  return bins;
}

export function confusionAt(labels: Values, scores: Values, threshold: number): ConfusionMatrix {
  const matrix = { threshold, tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i]! >= threshold;
    if (labels[i] === 1) {
      if (predicted) matrix.tp++;
      else matrix.fn++;
    } else if (predicted) matrix.fp++;
    else matrix.tn++;
  }
  return matrix;
}

/**
 * At most `max` items, evenly spaced by index, always the first and the last; fewer are kept
 * as they are.
 */
export function downsample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  if (max < 2) return items.slice(0, max);
  return Array.from({ length: max }, (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))]!);
}

/** A training history short enough for a manifest: downsampled past `max` epochs, always with the best epoch. */
export function trainingCurve(history: readonly EpochLog[], bestEpoch: number, max = 500): EpochLog[] {
  if (history.length <= max) return history.map(({ epoch, loss, valLoss }) => ({ epoch, loss, valLoss }));
  const kept = downsample(history, max - 1);
  const best = history.find((log) => log.epoch === bestEpoch);
  if (best && !kept.includes(best)) kept.push(best);
  return kept.sort((a, b) => a.epoch - b.epoch).map(({ epoch, loss, valLoss }) => ({ epoch, loss, valLoss }));
}

/** Cumulative true and false positives after each distinct score, from the highest down. */
function thresholdSteps(labels: Values, scores: Values): { threshold: number; tp: number; fp: number }[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const steps: { threshold: number; tp: number; fp: number }[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const row = order[k]!;
    if (labels[row] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[row]) steps.push({ threshold: scores[row]!, tp, fp });
  }
  return steps;
}

/** float32 values carry about seven significant digits; six keep the JSON short. */
const sixDigits = (value: number): number => significant(value, 6);

function checkPaired(labels: Values, outputs: Values): void {
  if (labels.length !== outputs.length) throw new RangeError(`${labels.length} labels but ${outputs.length} predictions`);
  if (labels.length === 0) throw new RangeError('Curves need at least one row');
  for (let i = 0; i < outputs.length; i++) {
    if (!Number.isFinite(outputs[i])) throw new RangeError(`Prediction at row ${i} is ${outputs[i]}, not a finite number`);
  }
}
