/**
 * Evaluation metrics as pure functions over labels and model outputs. Binary labels are 0/1
 * and scores are probabilities of the positive class. Sums run in float64 whatever the input.
 */

type Values = ArrayLike<number>;

/** One equal-width bin of predicted probability. */
export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin; null when the bin is empty. */
  meanPredicted: number | null;
  /** Share of positive labels in the bin; null when the bin is empty. */
  fractionPositive: number | null;
}

export interface Calibration {
  /** Expected calibration error: the count-weighted mean gap between predicted and observed rates. */
  ece: number;
  bins: CalibrationBin[];
}

export interface BinaryMetrics {
  /** Area under the ROC curve; NaN when the labels hold only one class. */
  auc: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  logLoss: number;
  /** Mean squared difference between score and label (the Brier score); smaller is better. */
  brier: number;
  calibration: Calibration;
  /** The score at or above which a row counts as predicted positive. */
  threshold: number;
  rows: number;
  positives: number;
}

export interface RegressionMetrics {
  rmse: number;
  mae: number;
  r2: number;
  rows: number;
}

/** All binary metrics at once. */
export function binaryMetrics(labels: Values, scores: Values, threshold = 0.5): BinaryMetrics {
  checkPaired(labels, scores);
  const { tp, fp, fn, tn } = confusion(labels, scores, threshold);
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    auc: auc(labels, scores),
    accuracy: (tp + tn) / labels.length,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    logLoss: logLoss(labels, scores),
    brier: brier(labels, scores),
    calibration: calibration(labels, scores),
    threshold,
    rows: labels.length,
    positives: tp + fn,
  };
}

/**
 * ROC AUC by ranks (the Mann–Whitney U statistic): tied scores share their average rank, so a
 * tie between a positive and a negative counts one half. NaN when either class is absent.
 */
export function auc(labels: Values, scores: Values): number {
  checkPaired(labels, scores);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => at(scores, a) - at(scores, b));
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && at(scores, at(order, end + 1)) === at(scores, at(order, start))) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (at(labels, at(order, k)) === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean binary cross-entropy with scores clipped to [eps, 1 - eps] so one confident miss stays finite. */
export function logLoss(labels: Values, scores: Values, eps = 1e-15): number {
  checkPaired(labels, scores);
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(at(scores, i), eps), 1 - eps);
    total -= at(labels, i) === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return total / labels.length;
}

/** Mean squared error of the scores against the 0/1 labels. */
export function brier(labels: Values, scores: Values): number {
  checkPaired(labels, scores);
  let total = 0;
  for (let i = 0; i < labels.length; i++) total += (at(scores, i) - at(labels, i)) ** 2;
  return total / labels.length;
}

/** Reliability table over equal-width probability bins, and the expected calibration error. */
export function calibration(labels: Values, scores: Values, binCount = 10): Calibration {
  checkPaired(labels, scores);
  const sums = Array.from({ length: binCount }, () => ({ count: 0, predicted: 0, positives: 0 }));
  for (let i = 0; i < labels.length; i++) {
    const score = at(scores, i);
    // A score of exactly 1 belongs in the last bin, not one past it.
    const bin = at(sums, Math.min(Math.max(Math.floor(score * binCount), 0), binCount - 1));
    bin.count++;
    bin.predicted += score;
    bin.positives += at(labels, i) === 1 ? 1 : 0;
  }
  let ece = 0;
  const bins = sums.map(({ count, predicted, positives }, i) => {
    if (count > 0) ece += (count / labels.length) * Math.abs(positives / count - predicted / count);
    return {
      lower: i / binCount,
      upper: (i + 1) / binCount,
      count,
      meanPredicted: count > 0 ? predicted / count : null,
      fractionPositive: count > 0 ? positives / count : null,
    };
  });
  return { ece, bins };
}

/** RMSE, MAE and R². R² follows scikit-learn when the labels are constant: 1 for a perfect fit, else 0. */
export function regressionMetrics(labels: Values, predictions: Values): RegressionMetrics {
  checkPaired(labels, predictions);
  const n = labels.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += at(labels, i);
  const mean = sum / n;
  let squared = 0;
  let absolute = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const residual = at(labels, i) - at(predictions, i);
    squared += residual * residual;
    absolute += Math.abs(residual);
    total += (at(labels, i) - mean) ** 2;
  }
  const r2 = total === 0 ? (squared === 0 ? 1 : 0) : 1 - squared / total;
  return { rmse: Math.sqrt(squared / n), mae: absolute / n, r2, rows: n };
}

function confusion(labels: Values, scores: Values, threshold: number): { tp: number; fp: number; fn: number; tn: number } {
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const predicted = at(scores, i) >= threshold;
    const actual = at(labels, i) === 1;
    if (predicted && actual) counts.tp++;
    else if (predicted) counts.fp++;
    else if (actual) counts.fn++;
    else counts.tn++;
  }
  return counts;
}

function checkPaired(labels: Values, outputs: Values): void {
  if (labels.length !== outputs.length) throw new RangeError(`${labels.length} labels but ${outputs.length} predictions`);
  if (labels.length === 0) throw new RangeError('Metrics need at least one row');
  for (let i = 0; i < outputs.length; i++) {
    if (!Number.isFinite(at(outputs, i))) throw new RangeError(`Prediction at row ${i} is ${at(outputs, i)}, not a finite number`);
  }
}

/** Indexed read for loops whose bounds are already checked (noUncheckedIndexedAccess). */
function at<T>(values: ArrayLike<T>, i: number): T {
  return values[i] as T;
}
