/**
 * Performance drift: the live metric on predictions whose outcomes have arrived, judged against
 * a threshold. It catches drift that feature statistics miss, when the label's relation to the
 * features changes while the features do not.
 */
import type { BlessingMetric } from '../model/blessing.js';
import { isLowerBetter } from '../contracts/metric-direction.js';
import { auc, binaryMetrics, regressionMetrics } from '../model/metrics.js';
import type { Task } from '../model/network.js';
import { formatNumber } from '../format/numbers.js';
import type { DriftVerdict } from './report.js';

/** Metrics computable on live outcomes: the blessing metrics. */
export type LiveMetric = BlessingMetric;

const BINARY_METRICS = ['auc', 'accuracy', 'precision', 'recall', 'f1', 'logLoss'] as const;
const REGRESSION_METRICS = ['rmse', 'mae', 'r2'] as const;
type BinaryMetric = (typeof BINARY_METRICS)[number];
type RegressionMetric = (typeof REGRESSION_METRICS)[number];

/**
 * The metric on outcomes (labels) and the scores the model gave for them, with model/metrics.ts.
 * Binary labels are 0/1 and scores probabilities. NaN for auc when the outcomes hold one class.
 */
export function liveMetric(task: Task, metric: LiveMetric, labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  if (task === 'binary') {
    if (!isBinaryMetric(metric)) throw new RangeError(`metric "${metric}" is for regression models, not binary ones`);
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      if (label !== 0 && label !== 1) throw new RangeError(`binary outcome at row ${i} is ${label}, not 0 or 1`);
    }
    return metric === 'auc' ? auc(labels, scores) : binaryMetrics(labels, scores)[metric];
  }
  if (!isRegressionMetric(metric)) throw new RangeError(`metric "${metric}" is for binary models, not regression ones`);
  return regressionMetrics(labels, scores)[metric];
}

export interface PerformanceVerdictInput {
  metric: LiveMetric;
  /** The live metric's value. */
  value: number;
  /** The bar: a minimum for higher-is-better metrics, a maximum for the others. */
  threshold: number;
  /** Whether smaller values are better; default: from the metric (rmse, mae, logLoss). */
  lowerIsBetter?: boolean;
  /** Outcomes needed before performance is judged. */
  minOutcomes: number;
  /** Outcomes the value was computed on. */
  outcomes: number;
}

export interface PerformanceVerdict {
  verdict: DriftVerdict;
  /** One sentence with the numbers. */
  reason: string;
}

/** Whether the live metric has crossed its threshold: 'drift' when it is worse than the bar. */
export function performanceVerdict({
  metric,
  value,
  threshold,
  lowerIsBetter = isLowerBetter(metric),
  minOutcomes,
  outcomes,
}: PerformanceVerdictInput): PerformanceVerdict {
  const on = `on ${outcomes} outcome${outcomes === 1 ? '' : 's'}`;
  if (outcomes === 0 || outcomes < minOutcomes) {
    return {
      verdict: 'insufficient-data',
      reason: `Insufficient data: ${outcomes} outcome${outcomes === 1 ? '' : 's'}, fewer than the ${Math.max(minOutcomes, 1)} needed to judge live ${metric}.`,
    };
  }
  if (!Number.isFinite(value)) {
    return { verdict: 'insufficient-data', reason: `Insufficient data: live ${metric} ${on} is ${value} (for auc, the outcomes hold one class).` };
  }
  const bar = lowerIsBetter ? 'maximum' : 'minimum';
  const worse = lowerIsBetter ? value > threshold : value < threshold;
  if (worse) return { verdict: 'drift', reason: `Drift: live ${metric} ${formatNumber(value)} ${on} is ${lowerIsBetter ? 'above' : 'below'} the ${bar} ${formatNumber(threshold)}.` };
  return { verdict: 'no-drift', reason: `No drift: live ${metric} ${formatNumber(value)} ${on} meets the ${bar} ${formatNumber(threshold)}.` };
}

function isBinaryMetric(metric: LiveMetric): metric is BinaryMetric {
  return (BINARY_METRICS as readonly string[]).includes(metric);
}

function isRegressionMetric(metric: LiveMetric): metric is RegressionMetric {
  return (REGRESSION_METRICS as readonly string[]).includes(metric);
}
