import { isHigherBetter } from '../contracts/metric-direction.js';
import type { TrivialBaseline } from '../contracts/pipeline-run.js';
import { formatNumber } from '../format/numbers.js';
import type { Blessing } from './blessing.js';

type Values = ArrayLike<number>;

/**
 * The trivial predictor a model must beat, scored on the same test rows as the model: the
 * training split's positive rate for every row (binary; its accuracy is the training majority
 * class's) or the training split's mean label (regression). The constant comes from training,
 * never from the test rows, so it is what a model with no features could have learnt.
 */
export function trivialBaseline<L extends Values>(kind: 'binary' | 'regression', trainingLabels: Values, testLabels: L, metricsOf: (labels: L, scores: Float32Array) => Record<string, number>): TrivialBaseline {
  if (trainingLabels.length === 0) throw new RangeError('A baseline needs at least one training row');
  let sum = 0;
  for (let i = 0; i < trainingLabels.length; i++) sum += trainingLabels[i] as number;
  const value = sum / trainingLabels.length;
  const scores = new Float32Array(testLabels.length).fill(value);
  const predictor = kind === 'binary' ? `prior rate ${formatNumber(value)}, always ${value >= 0.5 ? 'positive' : 'negative'} at threshold 0.5` : `mean ${formatNumber(value)}`;
  return { predictor, value, metrics: metricsOf(testLabels, scores) };
}

export interface BaselineGate {
  metric: string;
  /** The candidate's value of the blessing metric on the test split. */
  candidate: number;
  baseline: TrivialBaseline;
  /** How much better than the baseline, in metric units, the candidate must be; default 0 (strictly better). */
  margin?: number;
}

/**
 * A blessed candidate that does not beat its trivial baseline on the blessing metric (by more
 * than the margin) is not blessed after all; the reason names both figures.
 */
export function gateOnBaseline(blessing: Blessing, { metric, candidate, baseline, margin = 0 }: BaselineGate): Blessing {
  if (!blessing.blessed) return blessing;
  const theirs = baseline.metrics[metric];
  // A baseline without the metric (NaN AUC of a one-class test split) leaves nothing to compare.
  if (theirs === undefined || !Number.isFinite(theirs)) return blessing;
  const betterBy = isHigherBetter(metric) ? candidate - theirs : theirs - candidate;
  const slack = 1e-9 * Math.max(1, Math.abs(theirs));
  if (betterBy > margin + slack) return blessing;
  const by = margin > 0 ? ` by more than evaluation.baseline.margin ${formatNumber(margin)}` : '';
  return { blessed: false, reason: `Not blessed: ${metric} ${formatNumber(candidate)} does not beat the baseline (${baseline.predictor}) ${formatNumber(theirs)}${by}.` };
}
