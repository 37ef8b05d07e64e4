import { describe, expect, it } from 'vitest';
import type { AliasChange, ModelVersion, Registry, RetrainRequest, RunRecord } from '../../contracts/model.js';
import { deliveryStats } from '../../model/delivery-stats.js';

const DAY = '2026-11-0';
const at = (day: number, hour = 0) => `${DAY}${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
const HOUR_MS = 3_600_000;

const version = (number: number, runId: string, day: number) => ({ version: number, runId, createdAt: at(day) }) as ModelVersion;
const request = (source: RetrainRequest['source'], requestedAt: string): RetrainRequest => ({ reason: source, source, requestedAt });
const run = (runId: string, status: RunRecord['status'], startedAt: string, requests: RetrainRequest[]): RunRecord => ({ runId, status, startedAt, requests });
const toProduction = (to: number, when: string, by = 'deploy'): AliasChange => ({ alias: 'production', to, at: when, by, reason: 'test' });

/**
 * A week of one model, by hand: v1 trained by hand on day 1 and promoted an hour later; a drift
 * signal on day 2 at 00:00 starts a run (an alert folds into it at 01:00) whose v2 reaches
 * production at 03:00; v2 is rolled back to v1 on day 3; an alert on day 4 gives v3, which the
 * canary sends back; a schedule on day 5 fails. The count runs to day 8: 7 days.
 */
const registry: Registry = {
  modelName: 'm',
  versions: [version(1, 'r1', 1), version(2, 'r2', 2), version(3, 'r3', 4)],
  aliases: { production: 1 },
  history: [
    toProduction(1, at(1, 1)),
    { alias: 'previous', to: 1, at: at(2, 3), by: 'deploy', reason: 'replaced by v2' },
    toProduction(2, at(2, 3)),
    { alias: 'previous', to: 2, at: at(3), by: 'ops', reason: 'replaced by v1' },
    toProduction(1, at(3), 'ops'),
    { alias: 'canary', to: 3, at: at(4, 2), by: 'deploy', reason: 'canary' },
    { alias: 'canary', from: 3, at: at(4, 3), by: 'deploy', reason: 'rolled back: worse live error' },
  ],
  runs: [
    run('r1', 'registered', at(1), [request('cli', at(1))]),
    run('r2', 'registered', at(2, 1), [request('drift', at(2)), request('alert', at(2, 1))]),
    run('r3', 'rolled-back', at(4, 1), [request('alert', at(4))]),
    run('r4', 'failed', at(5, 1), [request('schedule', at(5))]),
  ],
  paused: false,
  decisions: [],
};

describe('delivery stats from the registry history', () => {
  const stats = deliveryStats(registry, new Date(at(8)));

  it('counts production moves per week, new versions apart from rollbacks', () => {
    expect(stats.since).toBe(at(1));
    expect(stats.days).toBe(7);
    expect(stats.deployments).toEqual({ count: 3, perWeek: 3, newVersions: 2, rollbacks: 1, rollbackRate: 1 / 3, canaryRollbacks: 1 });
  });

  it('measures lead time from the first drift or alert signal to production, and from any request', () => {
    // Only v2 came from a signal and reached production: day 2 00:00 -> 03:00.
    expect(stats.leadTimeFromSignal).toEqual({ count: 1, medianMs: 3 * HOUR_MS, maxMs: 3 * HOUR_MS });
    // v1 (1 h from its request) and v2 (3 h): median 2 h. v3 never reached production.
    expect(stats.leadTimeFromRequest).toEqual({ count: 2, medianMs: 2 * HOUR_MS, maxMs: 3 * HOUR_MS });
  });

  it('gives the retraining cadence: runs per week, the median gap between starts, by source and outcome', () => {
    // Starts: day 1 00:00, day 2 01:00, day 4 01:00, day 5 01:00: gaps 25 h, 48 h, 24 h.
    expect(stats.retraining).toEqual({
      runs: 4,
      perWeek: 4,
      medianIntervalMs: 25 * HOUR_MS,
      bySource: { cli: 1, drift: 1, alert: 1, schedule: 1 },
      byStatus: { registered: 2, 'rolled-back': 1, failed: 1 },
    });
  });

  it('says nothing it cannot know for a model with no history', () => {
    const empty = deliveryStats({ ...registry, versions: [], history: [], runs: [] }, new Date(at(8)));
    expect(empty.deployments).toEqual({ count: 0, perWeek: 0, newVersions: 0, rollbacks: 0, rollbackRate: undefined, canaryRollbacks: 0 });
    expect(empty.leadTimeFromSignal).toEqual({ count: 0, medianMs: undefined, maxMs: undefined });
    expect(empty.retraining.medianIntervalMs).toBeUndefined();
  });
});
