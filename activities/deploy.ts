import type { CanaryAssessment, LiveStats } from '../contracts/model.js';
import type { OutcomeRecord, PredictionRecord } from '../contracts/prediction-log.js';
import { upperNormalTail } from '../drift/normal.js';
import { readLog } from '../infra/prediction-logs.js';
import type { ActivityDependencies } from './index.js';

/** Fewer live predictions than this on either side says nothing; the offline evaluation stands. */
const MIN_LIVE = 20;
/** A worse live error rolls back only when chance is an unlikely explanation (one-sided z-test). */
const SIGNIFICANCE = 0.05;
/** A canary slower than this multiple of production's p95 latency (plus slack) is rolled back. */
const LATENCY_FACTOR = 2;
const LATENCY_SLACK_MS = 25;

export interface AssessCanaryInput {
  model: string;
  task: 'binary' | 'regression';
  canaryVersion: number;
  productionVersion: number;
  /** ISO time the canary started taking traffic. */
  since: string;
  /** How much worse the canary's live error may be: error-rate points (binary) or units of the label (regression). */
  tolerance: number;
}

/**
 * Compares canary and production on the traffic they served during the soak, from the
 * prediction log in MinIO (so every server replica counts): live error on the outcomes posted
 * back, latency, and the shift of the score distribution. Decides promote or roll back.
 */
export function createDeployActivities({ storage }: ActivityDependencies) {
  return {
    async assessCanary(input: AssessCanaryInput): Promise<CanaryAssessment> {
      const until = new Date().toISOString();
      const predictions = (await readLog<PredictionRecord>(storage, input.model, 'predictions', input.since, until)).filter((p) => p.at >= input.since);
      const outcomes = new Map((await readLog<OutcomeRecord>(storage, input.model, 'outcomes', input.since, until)).map((o) => [o.id, Number(o.label)]));
      const canary = liveStats(input, input.canaryVersion, predictions, outcomes);
      const production = liveStats(input, input.productionVersion, predictions, outcomes);
      const scorePsi = psi(scoresOf(predictions, input.productionVersion), scoresOf(predictions, input.canaryVersion));
      const liveErrorPValue = worseErrorPValue(canary, production);
      return { ...decide(input, canary, production, liveErrorPValue), canary, production, scorePsi, liveErrorPValue, since: input.since, until };
    },
  };
}

function decide(input: AssessCanaryInput, canary: LiveStats, production: LiveStats, pValue: number | undefined): { promote: boolean; reason: string } {
  if (canary.predictions < MIN_LIVE) {
    return { promote: true, reason: `the canary answered ${canary.predictions} requests during the soak (fewer than ${MIN_LIVE}); promoted on the offline evaluation` };
  }
  if (pValue !== undefined && canary.liveError! > production.liveError! + input.tolerance && pValue < SIGNIFICANCE) {
    return { promote: false, reason: `live error ${fmt(canary.liveError)} of canary v${canary.version} is worse than production's ${fmt(production.liveError)} by more than ${input.tolerance} (p=${fmt(pValue)}, ${canary.outcomes} and ${production.outcomes} outcomes)` };
  }
  if (production.predictions >= MIN_LIVE && canary.p95LatencyMs! > LATENCY_FACTOR * production.p95LatencyMs! + LATENCY_SLACK_MS) {
    return { promote: false, reason: `p95 latency ${fmt(canary.p95LatencyMs)} ms of canary v${canary.version} is over ${LATENCY_FACTOR}x production's ${fmt(production.p95LatencyMs)} ms` };
  }
  const error = pValue !== undefined ? `live error ${fmt(canary.liveError)} vs ${fmt(production.liveError)} (p=${fmt(pValue)})` : `too few outcomes to compare live error (${canary.outcomes} and ${production.outcomes})`;
  return { promote: true, reason: `canary v${canary.version} held up over ${canary.predictions} requests: ${error}, p95 latency ${fmt(canary.p95LatencyMs)} vs ${fmt(production.p95LatencyMs)} ms` };
}

function liveStats(input: AssessCanaryInput, version: number, predictions: PredictionRecord[], outcomes: Map<string, number>): LiveStats {
  const mine = predictions.filter((p) => p.version === version);
  const latencies = mine.map((p) => p.latencyMs).filter((l): l is number => l !== undefined).sort((a, b) => a - b);
  const scored = mine.filter((p) => outcomes.has(p.id));
  const errors = scored.map((p) => {
    const label = outcomes.get(p.id)!;
    return input.task === 'binary' ? Number((p.score >= 0.5 ? 1 : 0) !== label) : Math.abs(p.score - label);
  });
  return {
    version,
    predictions: mine.length,
    p95LatencyMs: latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(0.95 * latencies.length))] : undefined,
    meanScore: mine.length ? mine.reduce((sum, p) => sum + p.score, 0) / mine.length : undefined,
    outcomes: scored.length,
    liveError: errors.length ? mean(errors) : undefined,
    liveErrorStd: errors.length > 1 ? Math.sqrt(errors.reduce((sum, e) => sum + (e - mean(errors)) ** 2, 0) / (errors.length - 1)) : undefined,
  };
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * One-sided p-value of "the canary's mean error is no higher than production's" (a two-sample
 * z-test on the per-prediction errors: misclassifications or absolute errors); undefined with
 * too few outcomes on either side.
 */
function worseErrorPValue(canary: LiveStats, production: LiveStats): number | undefined {
  if (canary.outcomes < MIN_LIVE || production.outcomes < MIN_LIVE) return undefined;
  const variance = (canary.liveErrorStd ?? 0) ** 2 / canary.outcomes + (production.liveErrorStd ?? 0) ** 2 / production.outcomes;
  const difference = canary.liveError! - production.liveError!;
  if (variance === 0) return difference > 0 ? 0 : 1;
  return upperNormalTail(difference / Math.sqrt(variance));
}


/** PSI over ten bins cut at the reference's deciles; undefined with too few scores. */
function psi(reference: number[], current: number[]): number | undefined {
  if (reference.length < MIN_LIVE || current.length < MIN_LIVE) return undefined;
  const sorted = [...reference].sort((a, b) => a - b);
  const edges = Array.from({ length: 9 }, (_, i) => sorted[Math.floor(((i + 1) / 10) * sorted.length)]!);
  const share = (values: number[]) => {
    const counts = new Array<number>(10).fill(0);
    for (const value of values) counts[edges.filter((edge) => value > edge).length]! += 1;
    return counts.map((count) => Math.max(count / values.length, 1e-4));
  };
  const [expected, actual] = [share(reference), share(current)];
  return expected.reduce((sum, e, i) => sum + (actual[i]! - e) * Math.log(actual[i]! / e), 0);
}

const scoresOf = (predictions: PredictionRecord[], version: number): number[] => predictions.filter((p) => p.version === version).map((p) => p.score);
const fmt = (value: number | undefined): string => (value === undefined ? 'n/a' : String(Number(value.toFixed(4))));
