import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BatchPlan, BatchProgress, BatchScoreInput, BatchScoreResult } from '../../contracts/batch-score.js';
import { batchProgressQuery } from '../../contracts/batch-score.js';
import { batchKeys } from '../../storage/layout.js';
import { BUCKETS } from '../../contracts/stack.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import { scheduleBatchScore, startBatchScore, waitForBatchScore } from '../../clients/batch-client.js';
import { requestRun, waitForRun } from '../../clients/model-client.js';
import { registerPipeline } from '../../pipelines/index.js';
import seattleTemperature from '../../pipelines/seattle-temperature.js';
import type { ModelServer } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { PROJECT_ROOT } from '../../stack/paths.js';
import type { TableRow } from '../../tabular/index.js';
import { readRows } from '../../tabular/index.js';
import { toParquet } from '../../tabular/write.js';
import { createGeneralWorker } from '../../workers/general.js';
import { ctrain } from '../support/ctrain-cli.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectTemporal, uniqueId } from '../../harness/temporal.js';
import { startWorkerProcess } from '../../harness/worker-process.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';

const stack = inject('stack');
const modelName = `score-${randomUUID().slice(0, 8)}`;
registerPipeline({ ...seattleTemperature, name: modelName, training: { ...seattleTemperature.training, epochs: 15 }, deploy: { ...seattleTemperature.deploy, soak: '1 second' } });

const storage = new ObjectStore(stack.minio);
const bucket = `scores-${randomUUID().slice(0, 8)}`;
const weatherCsv = join(PROJECT_ROOT, 'node_modules/vega-datasets/data/seattle-weather.csv');
const weatherLines = (await readFile(weatherCsv, 'utf8')).trim().split('\n');

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
let server: ModelServer;
let version: number;
let workspace: string;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'ctrain-batch-test-'));
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
  const { runId } = await requestRun(temporal.client, modelName, { reason: 'a model to score with', source: 'cli' }, workers);
  const { run } = await waitForRun(temporal.client, modelName, runId);
  expect(run.status).toBe('registered');
  version = run.version!;
  server = await createModelServer({ storage, models: [modelName], pollMs: 200, logger: false, logSink: { flushMs: 200 } });
  while ((await server.app.inject({ url: '/readyz' })).statusCode !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
});
afterAll(async () => {
  await server?.close();
  await workers?.stop();
  await temporal?.close();
  await rm(workspace, { recursive: true, force: true });
});

/** A CSV of the weather file's first `rows` days, with `edit` applied to line i's fields, put in MinIO; its s3 URI. */
async function inputCsv(rows: number, edit: (fields: string[], i: number) => string[] = (fields) => fields): Promise<string> {
  const lines = [weatherLines[0], ...weatherLines.slice(1, rows + 1).map((line, i) => edit(line.split(','), i).join(','))];
  const key = `inputs/${randomUUID()}.csv`;
  await storage.ensureBucket(bucket);
  await storage.putBuffer({ bucket, key }, Buffer.from(`${lines.join('\n')}\n`));
  return `s3://${bucket}/${key}`;
}

async function score(input: Omit<BatchScoreInput, 'modelName' | 'output'>, options: { taskQueue?: string; workflowId?: string } = {}): Promise<BatchScoreResult> {
  const handle = await startBatchScore(temporal.client, { modelName, output: `s3://${bucket}/out`, ...input }, { taskQueue: workers.taskQueue, ...options });
  return waitForBatchScore(handle);
}

/** Every scored row of a result, read back from its output objects with ctrain's own readers. */
async function outputRows(result: BatchScoreResult): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for (const [i, ref] of result.outputs.entries()) {
    const path = join(workspace, `${randomUUID()}-${i}.${result.format}`);
    await writeFile(path, await storage.getBuffer(ref));
    for await (const row of readRows(path, result.format)) rows.push(row);
  }
  return rows;
}

/** The input's rows as ctrain's CSV reader types them: what a client of the model server would post. */
async function inputRows(uri: string): Promise<TableRow[]> {
  const path = join(workspace, `${randomUUID()}.csv`);
  const key = uri.slice(`s3://${bucket}/`.length);
  await writeFile(path, await storage.getBuffer({ bucket, key }));
  const rows: TableRow[] = [];
  for await (const row of readRows(path, 'csv')) rows.push(row);
  return rows;
}

const sortedIds = (rows: TableRow[]): number[] => rows.map((row) => row.row_id as number).sort((a, b) => a - b);
const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i);

describe('batch scoring', () => {
  it('scores every row exactly once, with the model server’s own scores, the version and the input columns', async () => {
    const uri = await inputCsv(300);
    const result = await score({ input: uri, chunkRows: 64, concurrency: 2 });
    expect(result).toMatchObject({ modelName, version, rows: 300, scored: 300, rejected: 0, chunks: 5, reusedChunks: 0, format: 'parquet' });
    expect(result.rejects).toBeUndefined();
    // Planning is part of the run's time, measured on the workflow's clock.
    expect(result.planSeconds).toBeGreaterThan(0);
    expect(result.planSeconds).toBeLessThanOrEqual(result.seconds);
    const rows = await outputRows(result);
    expect(sortedIds(rows)).toEqual(range(300));

    const inputs = await inputRows(uri);
    const response = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/predict`, payload: { rows: inputs } });
    expect(response.statusCode).toBe(200);
    const served = response.json<{ predictions: { score: number; version: number }[] }>().predictions;
    for (const row of rows) {
      const id = row.row_id as number;
      expect(row.model_version).toBe(version);
      expect(served[id]!.version).toBe(version);
      expect(row.score).toBe(served[id]!.score);
      expect(row.date).toBe(inputs[id]!.date);
      expect(row.weather).toBe(inputs[id]!.weather);
    }

    const manifest = JSON.parse((await storage.getBuffer(result.manifest)).toString('utf8')) as BatchScoreResult;
    expect(manifest.outputs).toEqual(result.outputs);
    const progress = await temporal.client.workflow.getHandle(result.runId).query(batchProgressQuery);
    expect(progress).toMatchObject({ phase: 'done', chunksDone: 5, chunksTotal: 5, rowsDone: 300, rowsTotal: 300 });

    const watched = await ctrain(['watch', result.runId, '--json'], { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress, CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint });
    expect(watched.exitCode).toBe(0);
    const end = JSON.parse(watched.stdout.trim().split('\n').at(-1)!) as { event: string; ok: boolean; result: BatchScoreResult };
    expect(end).toMatchObject({ event: 'end', ok: true, result: { runId: result.runId, rows: 300, scored: 300 } });
  });

  it('scores a JSON array input (.json) as it scores the same rows in CSV', async () => {
    const csv = await inputCsv(40);
    const key = `inputs/${randomUUID()}.json`;
    await storage.putBuffer({ bucket, key }, Buffer.from(JSON.stringify(await inputRows(csv), null, 1)));
    const [fromCsv, fromJson] = [await score({ input: csv, chunkRows: 16 }), await score({ input: `s3://${bucket}/${key}`, chunkRows: 16 })];
    expect(fromJson).toMatchObject({ rows: 40, scored: 40, rejected: 0, chunks: 3 });
    const scoresOf = async (result: BatchScoreResult): Promise<unknown[]> => (await outputRows(result)).sort((a, b) => (a.row_id as number) - (b.row_id as number)).map((row) => row.score);
    expect(await scoresOf(fromJson)).toEqual(await scoresOf(fromCsv));
  });

  it('scores a Parquet input by row ranges of its row groups, without rewriting it, with the model server’s scores', async () => {
    const inputs: TableRow[] = [];
    for await (const row of readRows(weatherCsv, 'csv')) inputs.push(row);
    const columns = Object.keys(inputs[0]!).map((name) => ({ name, type: typeof inputs[0]![name] === 'number' ? ('number' as const) : ('string' as const) }));
    const key = `inputs/${randomUUID()}.parquet`;
    await storage.ensureBucket(bucket);
    await storage.putBuffer({ bucket, key }, toParquet(inputs, columns, { rowGroupSize: 500 }));

    const result = await score({ input: `s3://${bucket}/${key}`, chunkRows: 200, concurrency: 3 });
    // TableRow groups of 500, 500 and 461 rows, each split into 3 chunks: none spans two groups.
    expect(result).toMatchObject({ rows: 1461, scored: 1461, rejected: 0, chunks: 9 });
    const plan = JSON.parse((await storage.getBuffer(batchKeys.plan(result.runId))).toString('utf8')) as BatchPlan;
    expect(plan.parquet?.bounds).toEqual([0, 167, 333, 500, 667, 833, 1000, 1154, 1307, 1461]);
    expect(plan.columns).toEqual(columns);
    const chunkObjects = await storage.listKeys({ bucket: BUCKETS.artifacts, prefix: `batch/${result.runId}/chunks/` });
    expect(chunkObjects).toEqual([]);

    const rows = await outputRows(result);
    expect(sortedIds(rows)).toEqual(range(1461));
    const response = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/predict`, payload: { rows: inputs } });
    expect(response.statusCode).toBe(200);
    const served = response.json<{ predictions: { score: number }[] }>().predictions;
    for (const row of rows) {
      const id = row.row_id as number;
      expect(row.score).toBe(served[id]!.score);
      expect(row.date).toBe(inputs[id]!.date);
      expect(row.temp_max).toBe(inputs[id]!.temp_max);
    }
  });

  it('fails, naming the row and column, when a Parquet cell past the typing sample does not fit its column, rather than write it as null', async () => {
    const weather: TableRow[] = [];
    for await (const row of readRows(weatherCsv, 'csv')) weather.push(row);
    // 10,001 rows: the sample types big_id from the first 10,000 as a number; the last holds 2^60, which is read as its digits.
    const inputs = Array.from({ length: 10_001 }, (_, i) => ({ ...weather[i % weather.length]!, big_id: i === 10_000 ? 2 ** 60 : i }));
    const columns = [...Object.keys(weather[0]!).map((name) => ({ name, type: typeof weather[0]![name] === 'number' ? ('number' as const) : ('string' as const) })), { name: 'big_id', type: 'int' as const }];
    const key = `inputs/${randomUUID()}.parquet`;
    await storage.ensureBucket(bucket);
    await storage.putBuffer({ bucket, key }, toParquet(inputs, columns));

    const failure = await score({ input: `s3://${bucket}/${key}` }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as Error & { cause?: Error };
    expect(cause.cause?.message ?? cause.message).toContain('Cannot write row 10000 of s3://');
    expect(cause.cause?.message ?? cause.message).toContain('column big_id holds "1152921504606846976", but the plan typed it number');
  });

  it('refuses an output that is not s3://bucket/prefix before starting anything', async () => {
    const refused = await ctrain(['score', modelName, '--input', weatherCsv, '--output', '/tmp/scores'], {});
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('Output "/tmp/scores" must be s3://bucket/prefix');
  });

  it('fans out to child workflows past the chunk bound, writes CSV, and reuses every chunk when resumed under the same id', async () => {
    const uri = await inputCsv(300);
    const workflowId = uniqueId(`${modelName}.score`);
    const result = await score({ input: uri, chunkRows: 50, concurrency: 2, maxChunksPerWorkflow: 2, format: 'csv' }, { workflowId });
    expect(result).toMatchObject({ rows: 300, scored: 300, chunks: 6, reusedChunks: 0, format: 'csv' });
    for (const child of [`${workflowId}.chunks-0-1`, `${workflowId}.chunks-2-3`, `${workflowId}.chunks-4-5`]) {
      expect((await temporal.client.workflow.getHandle(child).describe()).status.name).toBe('COMPLETED');
    }
    const rows = await outputRows(result);
    expect(sortedIds(rows)).toEqual(range(300));

    const again = await score({ input: uri, chunkRows: 50, concurrency: 2, maxChunksPerWorkflow: 2, format: 'csv' }, { workflowId });
    expect(again).toMatchObject({ runId: workflowId, rows: 300, scored: 300, chunks: 6, reusedChunks: 6 });
    expect(again.outputs).toEqual(result.outputs);
    expect(sortedIds(await outputRows(again))).toEqual(range(300));
  });

  it('sends rows that fail validation to a rejects file with their reason, and reports the count', async () => {
    const bad = new Set([3, 41, 42, 77, 150]);
    const uri = await inputCsv(200, (fields, i) => (bad.has(i) ? [fields[0]!, 'lots', ...fields.slice(2)] : fields));
    const result = await score({ input: uri, chunkRows: 40, maxRejectShare: 0.05 });
    expect(result).toMatchObject({ rows: 200, scored: 195, rejected: 5 });
    const rejects = (await storage.getBuffer(result.rejects!))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { row_id: number; reason: string; row: TableRow });
    expect(rejects.map((reject) => reject.row_id).sort((a, b) => a - b)).toEqual([...bad]);
    for (const reject of rejects) {
      expect(reject.reason).toBe('precipitation must be a finite number');
      expect(reject.row.precipitation).toBe('lots');
    }
    const scoredIds = sortedIds(await outputRows(result));
    expect(scoredIds).toEqual(range(200).filter((id) => !bad.has(id)));
  });

  it('fails, naming the share, when more rows are rejected than maxRejectShare allows', async () => {
    const uri = await inputCsv(100, (fields, i) => (i % 10 === 0 ? [fields[0]!, 'lots', ...fields.slice(2)] : fields));
    const failure = await score({ input: uri, chunkRows: 30, maxRejectShare: 0.05 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as Error & { cause?: Error };
    expect(cause.cause?.message ?? cause.message).toMatch(/^10 of 100 rows \(10\.0%\) failed validation, more than maxRejectShare 5\.0%; the rejected rows and reasons are in s3:\/\//);
  });

  it('runs a batch score from the model’s Schedule', async () => {
    const uri = await inputCsv(120);
    const scheduleId = await scheduleBatchScore(temporal.client, { modelName, input: uri, output: `s3://${bucket}/nightly`, chunkRows: 50 }, { cron: '0 2 * * *', taskQueue: workers.taskQueue });
    expect(scheduleId).toBe(`batch-score:${modelName}`);
    const schedule = temporal.client.schedule.getHandle(scheduleId);
    try {
      await schedule.trigger();
      let workflowId: string | undefined;
      while (!workflowId) {
        workflowId = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId;
        if (!workflowId) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(workflowId.startsWith(`${modelName}.score-`)).toBe(true);
      const result = await waitForBatchScore(temporal.client.workflow.getHandle(workflowId));
      expect(result).toMatchObject({ runId: workflowId, modelName, version, rows: 120, scored: 120, chunks: 3 });
      expect(sortedIds(await outputRows(result))).toEqual(range(120));
    } finally {
      await schedule.delete();
    }
  });

  it('still scores every row exactly once when the worker scoring it is killed mid-run', async () => {
    const taskQueue = uniqueId('batch-kill');
    const first = await startWorkerProcess(stack, ['--role', 'general', '--task-queue', taskQueue]);
    const handle = await startBatchScore(temporal.client, { modelName, input: 'package://vega-datasets/data/seattle-weather.csv', output: `s3://${bucket}/killed`, chunkRows: 10, concurrency: 2 }, { taskQueue });
    let atKill: BatchProgress | undefined;
    let problem: unknown;
    for (let look = 0; !atKill; look += 1) {
      const progress = await handle.query(batchProgressQuery).catch((error: unknown) => void (problem = error));
      if (progress && progress.chunksDone >= 3) atKill = progress;
      else await new Promise((resolve) => setTimeout(resolve, 20));
      if (look === 2_000) throw new Error(`no progress to kill the worker in: ${String(problem)}; last ${JSON.stringify(progress)}; worker said ${first.stdout().slice(-3000)}`);
    }
    first.process.kill('SIGKILL');
    await first.process;
    expect(atKill.chunksDone).toBeLessThan(atKill.chunksTotal);

    const second = await createGeneralWorker({ connection: temporal.workerConnection, namespace: stack.namespace, deps: { storage, dvc: new Dvc(stack.tools.dvc, datasetRemote(stack.minio)) }, taskQueue });
    const result = await second.runUntil(handle.result());
    expect(result).toMatchObject({ rows: 1461, scored: 1461, rejected: 0, chunks: 147 });
    expect(sortedIds(await outputRows(result))).toEqual(range(1461));
  });
});
