import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DriftCheckResult } from '../../contracts/drift-check.js';
import { modelWorkflowId } from '../../contracts/model.js';
import { driftScheduleId } from '../../contracts/schedules.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { findPipeline } from '../../pipelines/index.js';
import { loadPipelineFile, storePipelineSpec } from '../../pipelines/user-pipelines.js';
import type { ModelServer } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import { seededRandom } from '../../tabular/seeded-random.js';
import { driftCheckWorkflow } from '../../workflows/index.js';
import { ctrain } from '../support/ctrain-cli.js';

/**
 * A pipeline of a user's own, in a TypeScript file outside pipelines/, that ctrain's code never
 * names: checked by the CLI, its spec stored as `ctrain run <file>` stores it, trained by workers
 * that resolve it from MinIO, served, and drift-checked, where a shift in a time part it derives
 * (the hour of `signup`) is caught alone.
 */
const stack = inject('stack');
const modelName = `own-churn-${randomUUID().slice(0, 6)}`;
const next = seededRandom(31);

type Row = { id: number; signup: string; tenure: number; plan: string };
/** Customers signing up at any hour (or, for `night`, between midnight and 6 a.m.) over the autumn of 2026. */
function customers(count: number, firstId: number, night = false): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const day = Date.UTC(2026, 8, 1) + Math.floor(next() * 60) * 86_400_000;
    const hour = night ? Math.floor(next() * 6) : Math.floor(next() * 24);
    return { id: firstId + i, signup: new Date(day + hour * 3_600_000).toISOString(), tenure: Math.round(next() * 48), plan: ['basic', 'plus', 'pro'][Math.floor(next() * 3)]! };
  });
}
const churns = (row: Row): number => (next() < 0.6 - row.tenure / 100 ? 1 : 0);

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
let server: ModelServer;
let scratch: string;
let file: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctrain-own-pipeline-'));
  const source = join(scratch, 'customers.csv');
  await writeFile(source, ['id,signup,tenure,plan,churned', ...customers(2500, 0).map((row) => `${row.id},${row.signup},${row.tenure},${row.plan},${churns(row)}`)].join('\n') + '\n');
  file = join(scratch, 'my-churn.ts');
  // TypeScript, with a type of its own: the file imports nothing from ctrain.
  await writeFile(
    file,
    `type Spec = { name: string; [section: string]: unknown };
const pipeline: Spec = {
  name: ${JSON.stringify(modelName)},
  description: 'Will a customer churn? From tenure, plan and the hour they signed up',
  source: { uri: ${JSON.stringify(source)}, format: 'csv' },
  label: { column: 'churned', kind: 'binary' },
  features: { numeric: ['tenure'], categorical: ['plan'], timeParts: { column: 'signup', parts: ['hour'] } },
  split: { by: 'hash', keys: ['id'], test: 0.3, validation: 0.1 },
  network: { kind: 'mlp', hidden: [8], dropout: 0 },
  training: { epochs: 6, batchSize: 64, learningRate: 0.01, earlyStopPatience: 0, seed: 3 },
  evaluation: { metric: 'auc', threshold: 0 },
  deploy: { canaryPercent: 10, soak: '1 second', approval: 'auto' },
  drift: { check: '1 hour', minRows: 300, cooldown: '1 second', debounce: '1 second' },
};
export default pipeline;
`,
  );
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
});
afterAll(async () => {
  await server?.close();
  await temporal?.client.schedule.getHandle(driftScheduleId(modelName)).delete().catch(() => undefined);
  await temporal?.client.workflow.getHandle(modelWorkflowId(modelName)).terminate('own-pipeline test done').catch(() => undefined);
  await workers?.stop();
  await temporal?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe.sequential('a pipeline file of your own', () => {
  it('passes `ctrain pipelines check`, which lists every problem of a broken one with its field path', async () => {
    const checked = await ctrain(['pipelines', 'check', file], {});
    expect(checked.exitCode).toBe(0);
    expect(checked.stdout).toBe(`${file}: ok: pipeline "${modelName}", binary label churned, 3 features (tenure, plan, signup.hour), source ${join(scratch, 'customers.csv')}`);
    const broken = join(scratch, 'broken.json');
    await writeFile(broken, JSON.stringify({ name: 'Broken', source: { uri: 'x.csv', format: 'xls' }, label: { column: 'y', kind: 'binary' }, features: { numeric: ['a'] }, split: { by: 'hash', keys: ['a'] }, evaluation: { metric: 'auc' } }));
    const refused = await ctrain(['pipelines', 'check', broken], {});
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout.split('\n')).toEqual([
      `${broken}: 3 problems`,
      '  name: must be a lowercase slug like "flight-delay" (a-z, 0-9, single hyphens)',
      '  source.format: must be one of "csv", "json", "jsonl", "parquet"',
      '  evaluation.threshold: is required: without a threshold no model is ever blessed',
    ]);
  });

  it('trains from the spec stored in MinIO, which workers resolve though no ctrain code names it', async () => {
    expect(findPipeline(modelName)).toBeUndefined();
    const own = await loadPipelineFile(file);
    await storePipelineSpec(new ObjectStore(stack.minio), own);
    const { runId } = await requestRun(temporal.client, modelName, { reason: 'my own pipeline', source: 'cli' }, workers);
    const { run, registry } = await waitForRun(temporal.client, modelName, runId);
    expect(run.error).toBeUndefined();
    expect(registry.versions[0]!.spec).toMatchObject({ name: modelName, features: { timeParts: { column: 'signup', parts: ['hour'] } } });
  });

  it('serves, and its drift check catches a shift in the hour of signup alone', async () => {
    server = await createModelServer({ storage: new ObjectStore(stack.minio), models: [modelName], pollMs: 200, logger: false, logSink: { flushMs: 200 } });
    while ((await server.app.inject({ url: '/readyz' })).statusCode !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    const check = (): Promise<DriftCheckResult> => temporal.client.workflow.execute(driftCheckWorkflow, { taskQueue: workers.taskQueue, workflowId: `drift-check-${randomUUID()}`, args: [{ modelName }] });
    const traffic = async (rows: Row[]) => {
      const response = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/predict`, payload: { rows: rows.map(({ id: _id, ...input }) => input) } });
      expect(response.statusCode).toBe(200);
      await server.predictionLog.flush();
    };

    await traffic(customers(600, 10_000));
    const steady = await check();
    expect(steady.verdict).toBe('no-drift');
    expect(steady.rows).toBe(600);

    // Past the cooldown after the training, so that the signal below is acted on.
    while (Date.now() < Date.parse((await readRegistry(temporal.client, modelName)).lastRunFinishedAt ?? '') + 1_000) await new Promise((resolve) => setTimeout(resolve, 200));
    await traffic(customers(600, 20_000, true));
    const night = await check();
    expect(night.verdict).toBe('drift');
    expect(night.driftedFeatures).toEqual(['signup.hour']);
    expect(night.reason).toMatch(/1 of 3 features drifted \(signup\.hour\)/);
    expect(night.signalled).toBe(true);
    console.info(`own pipeline, drift verdicts:\n  steady hours: ${steady.reason}\n  night hours: ${night.reason}`);
  });
});
