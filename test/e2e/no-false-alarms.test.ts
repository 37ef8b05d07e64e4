import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { modelWorkflowId } from '../../contracts/model.js';
import { PREDICTION_LOG_FORMAT } from '../../contracts/prediction-log.js';
import { driftScheduleId } from '../../contracts/schedules.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { registerPipeline } from '../../pipelines/index.js';
import { loadVersion } from '../../scoring/loaded-version.js';
import { scoreValidRows } from '../../scoring/scoring.js';
import { ObjectStore } from '../../storage/gateway.js';
import { logKeys } from '../../storage/layout.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import { seededRandom } from '../../tabular/seeded-random.js';
import { driftCheckWorkflow } from '../../workflows/index.js';

/**
 * No shift, a million logged predictions with their outcomes, a check of every kind: no alarm.
 * Each seed trains a binary model on synthetic rows (a positive chance of 0.05 + 0.4·x1, an hour
 * of day as a derived feature), then logs a million more rows from the same process, scored by
 * that model, with outcomes drawn from the same chance: the feature, prediction and outcome
 * checks must all stay quiet. The log objects are written to MinIO as the model server writes
 * them (one object per 100,000 lines), which is what the drift check reads.
 */
const stack = inject('stack');
const SEEDS = [1, 2, 3];
const LOGGED = 1_000_000;
const PER_OBJECT = 100_000;
const storage = new ObjectStore(stack.minio);

type Row = { id: number; x1: number; x2: number; color: string; at: string };
const row = (next: () => number, id: number): Row => ({
  id,
  x1: next(),
  x2: next(),
  color: ['red', 'green', 'blue'][Math.floor(next() * 3)]!,
  at: new Date(Date.UTC(2026, 10, 1) + Math.floor(next() * 30 * 24) * 3_600_000).toISOString(),
});
const chance = (input: Pick<Row, 'x1'>): number => 0.05 + 0.4 * input.x1;

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
let scratch: string;
const verdicts: string[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctrain-no-false-alarms-'));
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
});
afterAll(async () => {
  await workers?.stop();
  await temporal?.close();
  await rm(scratch, { recursive: true, force: true });
  if (verdicts.length > 0) console.info(`no shift, ${LOGGED.toLocaleString('en-US')} logged rows per seed:\n${verdicts.join('\n')}`);
});

describe.each(SEEDS)('seed %i: a million logged rows of an unchanged world', (seed) => {
  const modelName = `quiet-${seed}-${randomUUID().slice(0, 6)}`;
  const next = seededRandom(seed * 7919);

  afterAll(async () => {
    await temporal?.client.schedule.getHandle(driftScheduleId(modelName)).delete().catch(() => undefined);
    await temporal?.client.workflow.getHandle(modelWorkflowId(modelName)).terminate('no-false-alarms test done').catch(() => undefined);
  });

  it('raises no feature, prediction or outcome alarm', async () => {
    const source = join(scratch, `${modelName}.csv`);
    const training = Array.from({ length: 5000 }, (_, i) => row(next, i));
    await writeFile(source, ['id,x1,x2,color,at,y', ...training.map((r) => `${r.id},${r.x1},${r.x2},${r.color},${r.at},${next() < chance(r) ? 1 : 0}`)].join('\n') + '\n');
    registerPipeline({
      name: modelName,
      source: { uri: source, format: 'csv' },
      label: { column: 'y', kind: 'binary' },
      features: { numeric: ['x1', 'x2'], categorical: ['color'], timeParts: { column: 'at', parts: ['hour', 'dayOfWeek'] } },
      split: { by: 'hash', keys: ['id'], test: 0.3, validation: 0.1 },
      network: { kind: 'mlp', hidden: [8], dropout: 0 },
      training: { epochs: 10, batchSize: 64, learningRate: 1e-2, earlyStopPatience: 0, seed },
      evaluation: { metric: 'auc', threshold: 0.55 },
      deploy: { canaryPercent: 10, soak: '1 second', approval: 'auto' },
      drift: { check: '1 hour', minRows: 1000, outcomes: { minOutcomes: 1000 } },
    });
    const { runId } = await requestRun(temporal.client, modelName, { reason: 'the model', source: 'cli' }, workers);
    const { run } = await waitForRun(temporal.client, modelName, runId);
    expect(run.error).toBeUndefined();
    // Logged traffic counts from the promotion on: wait for it to be over.
    let registry = await readRegistry(temporal.client, modelName);
    while (registry.aliases.production === undefined || registry.aliases.canary !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      registry = await readRegistry(temporal.client, modelName);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const production = registry.versions.find((version) => version.version === registry.aliases.production)!;
    const loaded = await loadVersion(storage, production);

    // A million rows, scored by the production model, logged as the model server logs them.
    const now = new Date();
    const day = now.toISOString().slice(0, 10);
    for (let part = 0; part < LOGGED / PER_OBJECT; part++) {
      const predictions = join(scratch, `predictions-${part}.jsonl`);
      const outcomes = join(scratch, `outcomes-${part}.jsonl`);
      const [predictionsOut, outcomesOut] = [createWriteStream(predictions), createWriteStream(outcomes)];
      for (let start = 0; start < PER_OBJECT; start += 10_000) {
        const batch = Array.from({ length: 10_000 }, (_, i) => row(next, 1_000_000 + part * PER_OBJECT + start + i));
        const inputs = batch.map(({ id: _id, ...input }) => input);
        const { scores } = scoreValidRows(loaded, inputs);
        const at = new Date().toISOString();
        // As the server writes them: a line per request, here of 100 rows each.
        const requests = Array.from({ length: batch.length / 100 }, (_, k) => ({ rows: batch.slice(k * 100, (k + 1) * 100), at: k * 100 }));
        predictionsOut.write(
          requests
            .map(({ rows, at: first }) => JSON.stringify({ format: PREDICTION_LOG_FORMAT, at, model: modelName, version: production.version, alias: 'production', requestId: `bulk-${rows[0]!.id}`, ids: rows.map((r) => `p${r.id}`), scores: Array.from(scores.subarray(first, first + rows.length)), inputs: inputs.slice(first, first + rows.length) }))
            .join('\n') + '\n',
        );
        outcomesOut.write(batch.map((r, i) => JSON.stringify({ format: PREDICTION_LOG_FORMAT, id: `p${r.id}`, at, model: modelName, label: next() < chance(inputs[i]!) ? 1 : 0 })).join('\n') + '\n');
      }
      await Promise.all([predictionsOut, outcomesOut].map((stream) => new Promise((resolve) => stream.end(resolve))));
      await storage.putFile(logKeys.batch(modelName, 'predictions', day, now, `bulk${part}`), predictions);
      await storage.putFile(logKeys.batch(modelName, 'outcomes', day, now, `bulk${part}`), outcomes);
      await Promise.all([rm(predictions), rm(outcomes)]);
    }
    loaded.layersModel.dispose();

    const result = await temporal.client.workflow.execute(driftCheckWorkflow, { taskQueue: workers.taskQueue, workflowId: `drift-check-${randomUUID()}`, args: [{ modelName }] });
    const moved = result.outcome?.windows.flatMap((window) => window.findings.filter((finding) => finding.moved).map((finding) => `${window.name}: ${finding.detail}`)) ?? [];
    verdicts.push(`  seed ${seed}: features ${result.verdict} (${result.rows} rows; ${result.reason}); outcomes ${result.outcome?.verdict} (${result.outcome?.windows.map((w) => `${w.name} ${w.outcomes}`).join(', ')})`);
    expect(result.rows).toBe(LOGGED);
    expect(result.verdict, result.reason).toBe('no-drift');
    expect(result.outcome?.windows.map((window) => window.outcomes)).toEqual([LOGGED, LOGGED]);
    expect(moved).toEqual([]);
    expect(result.outcome?.verdict).toBe('no-drift');
    expect(result.signalled).toBe(false);
  });
});
