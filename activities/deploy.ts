import type { CanaryAssessment, LiveStats } from '../contracts/model.js';
import type { OutcomeRecord, PredictionRecord } from '../contracts/prediction-log.js';
import { readLog } from '../infra/prediction-logs.js';
import { decideCanary, MIN_LIVE } from '../model/canary-decision.js';
import type { ActivityDependencies } from './dependencies.js';
import { inputWithModelName } from '../contracts/format-renames.js';

export interface AssessCanaryInput {
  modelName: string;
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
    async assessCanary(scheduled: AssessCanaryInput): Promise<CanaryAssessment> {
      // Scheduled by earlier code before an upgrade, it names the model `model`.
      const input = inputWithModelName(scheduled);
      const until = new Date().toISOString();
      const predictions = (await readLog<PredictionRecord>(storage, input.modelName, 'predictions', input.since, until)).filter((p) => p.at >= input.since);
      const outcomes = firstOutcomes(await readLog<OutcomeRecord>(storage, input.modelName, 'outcomes', input.since, until));
      const canary = liveStats(input, input.canaryVersion, predictions, outcomes);
      const production = liveStats(input, input.productionVersion, predictions, outcomes);
      const scorePsi = psi(scoresOf(predictions, input.productionVersion), scoresOf(predictions, input.canaryVersion));
      return { ...decideCanary({ canary, production, tolerance: input.tolerance }), canary, production, scorePsi, since: input.since, until };
    },
  };
}

/**
 * Each id's label from the outcome that arrived first (by `at`; replicas flush their logs in any
 * order, ties go to log order): an id posted again (a retry, a replay) counts once, as the drift
 * check counts it.
 */
function firstOutcomes(records: readonly OutcomeRecord[]): Map<string, number> {
  const first = new Map<string, OutcomeRecord>();
  for (const record of records) {
    const kept = first.get(record.id);
    if (!kept || record.at < kept.at) first.set(record.id, record);
  }
  return new Map([...first].map(([id, { label }]) => [id, Number(label)]));
}

function liveStats(input: AssessCanaryInput, version: number, predictions: PredictionRecord[], outcomes: Map<string, number>): LiveStats {
  const mine = predictions.filter((p) => p.version === version);
  const latencies = mine.map((p) => p.latencyMs).filter((l): l is number => l !== undefined).sort((a, b) => a - b);
  const scored = mine.filter((p) => outcomes.has(p.id));
  const errors = scored.map((p) => {
    const label = outcomes.get(p.id)!;
    return input.task === 'binary' ? Number((p.score >= 0.5 ? 1 : 0) !== label) : Math.abs(p.score - label);
  });
  const liveError = errors.length ? mean(errors) : undefined;
  return {
    version,
    predictions: mine.length,
    p50LatencyMs: quantile(latencies, 0.5),
    p95LatencyMs: quantile(latencies, 0.95),
    meanScore: mine.length ? mine.reduce((sum, p) => sum + p.score, 0) / mine.length : undefined,
    outcomes: scored.length,
    liveError,
    liveErrorStd: errors.length > 1 ? Math.sqrt(errors.reduce((sum, e) => sum + (e - liveError!) ** 2, 0) / (errors.length - 1)) : undefined,
  };
}

/** The q-quantile of sorted values (nearest rank); undefined when there are none. */
const quantile = (sorted: number[], q: number): number | undefined => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : undefined);
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

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
