import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DriftCheckResult } from '../../contracts/drift-check.js';
import type { Registry } from '../../contracts/model.js';
import { modelWorkflowId } from '../../contracts/model.js';
import { driftScheduleId } from '../../contracts/schedules.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { registerPipeline } from '../../pipelines/index.js';
import type { ModelServer } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import { seededRandom } from '../../tabular/seeded-random.js';
import { driftCheckWorkflow } from '../../workflows/index.js';

/**
 * Outcome drift on the real stack, on synthetic binary data the test makes: the chance of a
 * positive outcome is p = 0.05 + 0.4·x1 (a base rate of 0.25); x2 and color carry nothing. Each
 * seed trains its own model, then (1) shifts x2 alone, outcomes unchanged, and (2) halves the
 * outcome rate, inputs unchanged. The source is a folder of monthly objects read through a 30-day
 * window, so the retraining an outcome alarm asks for reads the newest month only.
 */
const stack = inject('stack');
const SEEDS = [11, 12];

type Row = { id: number; x1: number; x2: number; color: string };

function rows(count: number, next: () => number, { x2Shift = 0, firstId = 0 } = {}): Row[] {
  return Array.from({ length: count }, (_, i) => ({ id: firstId + i, x1: next(), x2: next() + x2Shift, color: ['red', 'green', 'blue'][Math.floor(next() * 3)]! }));
}

const chance = (row: Row): number => 0.05 + 0.4 * row.x1;

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
let scratch: string;
/** One line per check, printed at the end: what each case's check decided, with its numbers. */
const verdicts: string[] = [];
const verdictLine = (seed: number, shift: string, result: DriftCheckResult): string => {
  const since = result.outcome?.windows.find((window) => window.name === 'since-last-check');
  const findings = (since?.findings ?? []).map((finding) => `${finding.statistic} ${finding.value.toFixed(3)}${finding.moved ? ' (moved)' : ''}`).join(', ');
  return `seed ${seed}, ${shift}: features ${result.verdict} [${result.driftedFeatures.join(', ')}]; outcomes ${result.outcome?.verdict ?? '-'} on ${since?.outcomes ?? 0}: ${findings}`;
};

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctrain-outcome-drift-'));
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
});
afterAll(async () => {
  await workers?.stop();
  await temporal?.close();
  await rm(scratch, { recursive: true, force: true });
  if (verdicts.length > 0) console.info(`outcome-drift verdicts:\n${verdicts.join('\n')}`);
});

describe.each(SEEDS)('seed %i: outcome drift and feature drift, each caught alone', (seed) => {
  const modelName = `outcome-drift-${seed}-${randomUUID().slice(0, 6)}`;
  const next = seededRandom(seed);
  let server: ModelServer;

  /** Sends rows through the model server, then posts an outcome for each, drawn with the chance `rate` gives. */
  async function traffic(live: Row[], rate: (row: Row) => number): Promise<void> {
    for (let start = 0; start < live.length; start += 200) {
      const batch = live.slice(start, start + 200);
      const response = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/predict`, payload: { rows: batch.map(({ id: _id, ...input }) => input) } });
      expect(response.statusCode).toBe(200);
      const predictions = response.json<{ predictions: { id: string }[] }>().predictions;
      const outcomes = predictions.map((prediction, i) => ({ id: prediction.id, label: next() < rate(batch[i]!) ? 1 : 0 }));
      expect((await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/feedback`, payload: { outcomes } })).statusCode).toBe(202);
    }
    await server.predictionLog.flush();
  }

  const check = (): Promise<DriftCheckResult> => temporal.client.workflow.execute(driftCheckWorkflow, { taskQueue: workers.taskQueue, workflowId: `drift-check-${randomUUID()}`, args: [{ modelName }] });

  async function until(done: (registry: Registry) => boolean): Promise<Registry> {
    for (;;) {
      const registry = await readRegistry(temporal.client, modelName);
      if (done(registry)) return registry;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const settled = (): Promise<Registry> =>
    until((r) => r.aliases.canary === undefined && r.runs.every((run) => run.finishedAt) && r.lastRunFinishedAt !== undefined && Date.now() > Date.parse(r.lastRunFinishedAt) + 1_000);

  const folder = (): string => join(scratch, modelName);
  /** Writes one month's object: `count` rows over its first `days` days, labelled with the chance `rate` gives. */
  async function month(yearMonth: string, days: number, firstId: number, rate: (row: Row) => number): Promise<void> {
    const lines = rows(3000, next, { firstId }).map((row, i) => {
      const day = `${yearMonth}-${String((i % days) + 1).padStart(2, '0')}`;
      return `${row.id},${day},${row.x1},${row.x2},${row.color},${next() < rate(row) ? 1 : 0}`;
    });
    await writeFile(join(folder(), `${yearMonth}.csv`), ['id,day,x1,x2,color,y', ...lines, ''].join('\n'));
  }

  beforeAll(async () => {
    await mkdir(folder());
    // January's rows lie on its first 20 days, so February's 30-day window holds none of them.
    await month('2026-01', 20, 0, chance);
    registerPipeline({
      name: modelName,
      source: { uri: join(folder(), '*.csv'), format: 'csv', window: { column: 'day', last: '30 days' } },
      label: { column: 'y', kind: 'binary' },
      features: { numeric: ['x1', 'x2'], categorical: ['color'] },
      split: { by: 'hash', keys: ['id'], test: 0.3, validation: 0.1 },
      network: { kind: 'mlp', hidden: [8], dropout: 0 },
      training: { epochs: 8, batchSize: 64, learningRate: 1e-2, earlyStopPatience: 0, seed },
      // Any model is blessed: what is tested comes after.
      evaluation: { metric: 'auc', threshold: 0, maxRegression: 1 },
      deploy: { canaryPercent: 10, soak: '1 second', approval: 'auto' },
      drift: { check: '1 hour', psi: 0.2, minRows: 300, cooldown: '1 second', debounce: '1 second', outcomes: { minOutcomes: 300 } },
    });
    const { runId } = await requestRun(temporal.client, modelName, { reason: 'first training', source: 'cli' }, workers);
    const { run } = await waitForRun(temporal.client, modelName, runId);
    expect(run.error).toBeUndefined();
    server = await createModelServer({ storage: new ObjectStore(stack.minio), models: [modelName], pollMs: 200, logger: false, logSink: { flushMs: 200 }, feedbackOpen: true });
    while ((await server.app.inject({ url: '/readyz' })).statusCode !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  });
  afterAll(async () => {
    await server?.close();
    await temporal?.client.schedule.getHandle(driftScheduleId(modelName)).delete().catch(() => undefined);
    await temporal?.client.workflow.getHandle(modelWorkflowId(modelName)).terminate('outcome-drift test done').catch(() => undefined);
  });

  it('a shifted input with unchanged outcomes: a feature alarm on that feature alone, the outcome rate unmoved', async () => {
    // A signal inside the cooldown after the first training would (rightly) be ignored.
    await settled();
    await traffic(rows(800, next, { x2Shift: 0.6, firstId: 10_000 }), chance);
    const result = await check();
    verdicts.push(verdictLine(seed, 'x2 shifted, outcomes unchanged', result));
    expect(result.verdict).toBe('drift');
    expect(result.driftedFeatures).toEqual(['x2']);
    expect(result.outcome?.windows.map((window) => [window.name, window.outcomes])).toEqual([
      ['since-last-check', 800],
      ['rolling', 800],
    ]);
    // The outcomes' distribution did not move. Calibration may: a model that leaned on x2 in
    // training now predicts off the shifted values, which is drift in its own right.
    for (const window of result.outcome!.windows) {
      expect(window.findings.find((finding) => finding.statistic === 'outcome rate shift')).toMatchObject({ moved: false });
      expect(Math.abs(window.statistics.observedRate! - 0.25)).toBeLessThan(0.05);
    }
    expect(result.signalled).toBe(true);
    // The retraining it asked for, finished, before the next case.
    await until((r) => r.runs.length === 2 && r.runs.every((run) => run.finishedAt));
  });

  it('an outcome rate that halves with unchanged inputs: no feature alarm, an outcome alarm in the first check, and a retraining on the newest window', async () => {
    const before = await settled();
    const finished = before.runs.length;
    // The world changed in February, and its month of data has arrived.
    await month('2026-02', 28, 50_000, (row) => chance(row) * 0.5);
    await traffic(rows(800, next, { firstId: 20_000 }), (row) => chance(row) * 0.5);
    const result = await check();
    verdicts.push(verdictLine(seed, 'outcome rate halved, inputs unchanged', result));
    expect(result.verdict).toBe('no-drift');
    expect(result.driftedFeatures).toEqual([]);
    expect(result.outcome?.verdict).toBe('drift');
    const since = result.outcome!.windows.find((window) => window.name === 'since-last-check')!;
    const moved = since.findings.filter((finding) => finding.moved).map((finding) => finding.statistic);
    expect(moved).toEqual(expect.arrayContaining(['outcome rate shift', 'calibration gap']));
    expect(since.statistics.observedRate).toBeLessThan(0.2);
    expect(result.outcome!.reason).toMatch(/^Outcome drift on 800 outcomes since the last check: /);
    expect(result.signalled).toBe(true);
    const registry = await until((r) => r.runs.length > finished && r.runs.every((run) => run.finishedAt));
    expect(registry.runs.at(-1)!.requests[0]).toMatchObject({ source: 'drift' });
    expect(registry.runs.at(-1)!.requests[0]!.reason).toMatch(/outcome rate shift/);
    // It read both months and kept February's alone; the version's lineage says so.
    expect(registry.runs.at(-1)!.error).toBeUndefined();
    const retrained = registry.versions.find((version) => version.runId === registry.runs.at(-1)!.runId)!;
    expect(retrained.sourceObjects).toEqual([join(folder(), '2026-01.csv'), join(folder(), '2026-02.csv')]);
    expect(retrained.dataWindow).toMatchObject({ column: 'day', last: '30 days', since: '2026-01-29T00:00:00.000Z', until: '2026-02-28T00:00:00.000Z', sourceRows: 6000, rows: 3000 });
    expect(before.versions.every((version) => version.dataWindow?.until === '2026-01-20T00:00:00.000Z')).toBe(true);
    // The report keeps the windows' numbers.
    const report = await new ObjectStore(stack.minio).getJson<{ outcome: { verdict: string } }>(result.report!);
    expect(report?.outcome.verdict).toBe('drift');
  });
});
