/**
 * Delivery figures of one model from its registry history (the DORA measures, for models):
 * how often production changes, how long a drift signal takes to reach production, how often a
 * change is rolled back, and how regularly the model is retrained. Pure: the CLI passes the
 * registry and the time to count up to.
 */
import type { Registry, RetrainRequest, RunStatus } from '../contracts/model.js';

/** Sources that report a problem with the live model: ctrain's drift checks and monitoring alerts. */
const SIGNAL_SOURCES: readonly RetrainRequest['source'][] = ['drift', 'alert'];
const DAY_MS = 86_400_000;

export interface Durations {
  count: number;
  medianMs?: number;
  maxMs?: number;
}

export interface DeliveryStats {
  modelName: string;
  since?: string;
  until: string;
  days: number;
  deployments: {
    /** Every move of the production alias to a version, rollbacks included. */
    count: number;
    perWeek: number;
    /** Versions that reached production for the first time. */
    newVersions: number;
    /** Production moved back to a version that had been production before. */
    rollbacks: number;
    rollbackRate?: number;
    /** Candidates the canary soak sent back before they reached production. */
    canaryRollbacks: number;
  };
  /** From the first drift or alert request behind a run to its version reaching production. */
  leadTimeFromSignal: Durations;
  /** From the first request of any source behind a run to its version reaching production. */
  leadTimeFromRequest: Durations;
  retraining: {
    runs: number;
    perWeek: number;
    /** Between consecutive run starts. */
    medianIntervalMs?: number;
    bySource: Partial<Record<RetrainRequest['source'], number>>;
    byStatus: Partial<Record<RunStatus, number>>;
  };
}

export function deliveryStats(registry: Registry, until: Date): DeliveryStats {
  const since = earliest([...registry.versions.map((version) => version.createdAt), ...registry.history.map((change) => change.at), ...registry.runs.flatMap((run) => run.startedAt ?? [])]);
  const days = since === undefined ? 0 : Math.max(0, until.getTime() - Date.parse(since)) / DAY_MS;
  const perWeek = (count: number) => (days === 0 ? 0 : (count / days) * 7);

  const productionMoves = registry.history.filter((change) => change.alias === 'production' && change.to !== undefined);
  const beenProduction = new Set<number>();
  const firstPromotion = new Map<number, string>();
  let rollbacks = 0;
  for (const move of productionMoves) {
    if (beenProduction.has(move.to!)) rollbacks += 1;
    else firstPromotion.set(move.to!, move.at);
    beenProduction.add(move.to!);
  }

  const fromSignal: number[] = [];
  const fromRequest: number[] = [];
  for (const version of registry.versions) {
    const promotedAt = firstPromotion.get(version.version);
    const run = registry.runs.find((candidate) => candidate.runId === version.runId);
    if (promotedAt === undefined || !run) continue;
    const requested = (requests: RetrainRequest[]) => earliest(requests.flatMap((request) => request.requestedAt ?? []));
    const anyRequest = requested(run.requests);
    const signal = requested(run.requests.filter((request) => SIGNAL_SOURCES.includes(request.source)));
    if (anyRequest !== undefined) fromRequest.push(Date.parse(promotedAt) - Date.parse(anyRequest));
    if (signal !== undefined) fromSignal.push(Date.parse(promotedAt) - Date.parse(signal));
  }

  const starts = registry.runs.flatMap((run) => (run.startedAt ? [Date.parse(run.startedAt)] : [])).sort((a, b) => a - b);
  const intervals = starts.slice(1).map((start, index) => start - starts[index]!);
  return {
    modelName: registry.modelName,
    since,
    until: until.toISOString(),
    days,
    deployments: {
      count: productionMoves.length,
      perWeek: perWeek(productionMoves.length),
      newVersions: firstPromotion.size,
      rollbacks,
      rollbackRate: productionMoves.length === 0 ? undefined : rollbacks / productionMoves.length,
      canaryRollbacks: registry.runs.filter((run) => run.status === 'rolled-back').length,
    },
    leadTimeFromSignal: durations(fromSignal),
    leadTimeFromRequest: durations(fromRequest),
    retraining: {
      runs: registry.runs.length,
      perWeek: perWeek(registry.runs.length),
      medianIntervalMs: median(intervals),
      bySource: countBy(registry.runs.map((run) => run.requests[0]?.source).filter((source) => source !== undefined)),
      byStatus: countBy(registry.runs.map((run) => run.status)),
    },
  };
}

function earliest(times: string[]): string | undefined {
  return times.length === 0 ? undefined : times.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
}

function durations(values: number[]): Durations {
  return { count: values.length, medianMs: median(values), maxMs: values.length === 0 ? undefined : Math.max(...values) };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function countBy<K extends string>(keys: K[]): Partial<Record<K, number>> {
  const counts: Partial<Record<K, number>> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}
