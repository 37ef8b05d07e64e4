import type { HIGHER_IS_BETTER, LOWER_IS_BETTER } from '../contracts/metric-direction.js';
import { isHigherBetter } from '../contracts/metric-direction.js';
import { formatNumber } from '../format/numbers.js';

export type BlessingMetric = (typeof HIGHER_IS_BETTER)[number] | (typeof LOWER_IS_BETTER)[number];

export interface BlessingInput {
  metric: BlessingMetric;
  /** The candidate's value on the test split. */
  candidate: number;
  /** The production model's value on the same split; absent when nothing is in production. */
  production?: number;
  /** The bar to meet: a minimum for higher-is-better metrics, a maximum for the others. None means not blessed. */
  threshold?: number;
  /** How much worse than production the candidate may be, in the metric's units; default 0. */
  maxRegression?: number;
}

export interface Blessing {
  blessed: boolean;
  /** One sentence, with the numbers, saying why. */
  reason: string;
}

/**
 * Decides whether a candidate may be deployed: it must meet the configured threshold and be
 * no worse than production by more than maxRegression. Blessing defaults to no.
 */
export function decideBlessing({ metric, candidate, production, threshold, maxRegression = 0 }: BlessingInput): Blessing {
  const higher = isHigherBetter(metric);
  const bar = higher ? 'minimum' : 'maximum';
  const subject = `candidate ${metric} ${formatNumber(candidate)}`;
  if (threshold === undefined || !Number.isFinite(threshold)) {
    return no(`no ${bar} is configured for ${metric}, and blessing defaults to no (${subject})`);
  }
  if (!Number.isFinite(candidate)) return no(`${subject} is not a number, so it cannot meet the ${bar} ${formatNumber(threshold)}`);
  if (higher ? candidate < threshold : candidate > threshold) {
    return no(`${subject} is ${higher ? 'below' : 'above'} the ${bar} ${formatNumber(threshold)}`);
  }
  const meets = `${subject} meets the ${bar} ${formatNumber(threshold)}`;
  if (production === undefined) return yes(`${meets}; there is no production model to compare with`);
  if (!Number.isFinite(production)) return yes(`${meets}; production ${metric} is not a number, so only the ${bar} was checked`);

  const worseBy = higher ? production - candidate : candidate - production;
  // Metric values come from float arithmetic; a regression equal to the allowance must pass.
  const slack = 1e-9 * Math.max(1, Math.abs(production));
  const versus = `production ${formatNumber(production)}`;
  if (worseBy > maxRegression + slack) {
    return no(`${subject} is ${formatNumber(worseBy)} worse than ${versus}, more than the allowed regression of ${formatNumber(maxRegression)}`);
  }
  if (worseBy > 0) return yes(`${meets} and is ${formatNumber(worseBy)} worse than ${versus}, within the allowed regression of ${formatNumber(maxRegression)}`);
  if (worseBy < 0) return yes(`${meets} and is ${formatNumber(-worseBy)} better than ${versus}`);
  return yes(`${meets} and equals ${versus}`);
}

/** A blessing's reason without its "Blessed: " or "Not blessed: ", for a page or line that says which itself. */
export function blessingWhy(reason: string): string {
  return reason.replace(/^(?:Not blessed|Blessed): /, '');
}

function yes(why: string): Blessing {
  return { blessed: true, reason: `Blessed: ${why}.` };
}

function no(why: string): Blessing {
  return { blessed: false, reason: `Not blessed: ${why}.` };
}
