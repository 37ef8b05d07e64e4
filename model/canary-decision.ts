import type { LiveStats } from '../contracts/model.js';
import { upperNormalTail } from '../statistics/normal.js';
import { fourDecimals } from '../format/numbers.js';

/** Fewer live predictions than this on either side says nothing; the offline evaluation stands. */
export const MIN_LIVE = 20;
/**
 * A live error worse by more than the tolerance rolls back only when chance is an unlikely
 * explanation of that margin (one-sided z-test against the tolerance, not against zero: with a
 * few hundred randomly split outcomes, two equal models differ by more than 0.02 often).
 */
const SIGNIFICANCE = 0.05;
/**
 * A canary whose median latency is over this multiple of production's (plus slack) is rolled
 * back. The median, not the p95: requests are split at random, so a load spike on the host
 * lands on either side by chance and moves a p95 of a few hundred requests, not the median.
 */
const LATENCY_FACTOR = 2;
const LATENCY_SLACK_MS = 25;

export interface CanaryDecisionInput {
  canary: LiveStats;
  production: LiveStats;
  /** How much worse the canary's live error may be: error-rate points (binary) or units of the label (regression). */
  tolerance: number;
}

export interface CanaryDecision {
  promote: boolean;
  reason: string;
  /** One-sided p-value that the canary's live error is no worse than production's plus the tolerance. */
  liveErrorPValue?: number;
}

/** Promote or roll back, on live error first, then latency; one sentence with the numbers says why. */
export function decideCanary({ canary, production, tolerance }: CanaryDecisionInput): CanaryDecision {
  const pValue = worseErrorPValue(canary, production, tolerance);
  const decided = (promote: boolean, reason: string): CanaryDecision => ({ promote, reason, liveErrorPValue: pValue });
  if (canary.predictions < MIN_LIVE) {
    return decided(true, `the canary answered ${canary.predictions} requests during the soak (fewer than ${MIN_LIVE}); promoted on the offline evaluation`);
  }
  if (pValue !== undefined && canary.liveError! > production.liveError! + tolerance && pValue < SIGNIFICANCE) {
    return decided(false, `live error ${fmt(canary.liveError)} of canary v${canary.version} is worse than production's ${fmt(production.liveError)} by more than ${tolerance} (p=${fmt(pValue)}, ${canary.outcomes} and ${production.outcomes} outcomes)`);
  }
  if (production.predictions >= MIN_LIVE && canary.p50LatencyMs !== undefined && production.p50LatencyMs !== undefined && canary.p50LatencyMs > LATENCY_FACTOR * production.p50LatencyMs + LATENCY_SLACK_MS) {
    return decided(false, `median latency ${fmt(canary.p50LatencyMs)} ms of canary v${canary.version} is over ${LATENCY_FACTOR}x production's ${fmt(production.p50LatencyMs)} ms (+${LATENCY_SLACK_MS} ms)`);
  }
  const error = pValue !== undefined ? `live error ${fmt(canary.liveError)} vs ${fmt(production.liveError)} (p=${fmt(pValue)})` : `too few outcomes to compare live error (${canary.outcomes} and ${production.outcomes})`;
  return decided(true, `canary v${canary.version} held up over ${canary.predictions} requests: ${error}, median latency ${fmt(canary.p50LatencyMs)} vs ${fmt(production.p50LatencyMs)} ms, p95 ${fmt(canary.p95LatencyMs)} vs ${fmt(production.p95LatencyMs)} ms`);
}

/**
 * One-sided p-value of "the canary's mean error is no higher than production's plus the
 * tolerance" (a two-sample z-test on the per-prediction errors: misclassifications or absolute
 * errors); undefined with too few outcomes on either side.
 */
function worseErrorPValue(canary: LiveStats, production: LiveStats, tolerance: number): number | undefined {
  if (canary.outcomes < MIN_LIVE || production.outcomes < MIN_LIVE) return undefined;
  const variance = (canary.liveErrorStd ?? 0) ** 2 / canary.outcomes + (production.liveErrorStd ?? 0) ** 2 / production.outcomes;
  const difference = canary.liveError! - production.liveError! - tolerance;
  if (variance === 0) return difference > 0 ? 0 : 1;
  return upperNormalTail(difference / Math.sqrt(variance));
}

const fmt = (value: number | undefined): string => (value === undefined ? 'n/a' : String(fourDecimals(value)));
