/**
 * The bad-inputs catalogue (issue 5): each bad input gets a clear, specific error, non-retryable
 * where retrying cannot help, loses nothing, and leaves the registry and the production model as
 * they were. Real Temporal, MinIO and DVC from the harness; a summary table is printed at the end.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createIngestActivities } from '../../activities/ingest.js';
import { createValidateActivities } from '../../activities/validate.js';
import { createAlertReceiver } from '../../alerts/server.js';
import type { Registry } from '../../contracts/model.js';
import { modelWorkflowId } from '../../contracts/model.js';
import type { IngestManifest, PipelineOverrides } from '../../contracts/pipeline-run.js';
import type { PipelineSpec, PipelineSpecInput } from '../../contracts/pipeline-spec.js';
import { driftScheduleId } from '../../contracts/schedules.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import { requestRun, waitForRun } from '../../clients/model-client.js';
import { registerPipeline } from '../../pipelines/index.js';
import type { ModelServer } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { writeParquetFixture } from '../unit/tabular-parquet-fixture.js';
import { cleanCsv, cleanJsonl, cleanRow, peakRssInChild, writeLargeCsv } from '../support/bad-inputs.js';
import { serveHttpSource } from '../support/http-source.js';
import type { HttpSource } from '../support/http-source.js';
import { eventually, fittedTransform, flightRows, publishVersion, writeRegistry } from '../support/serving-fixtures.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import type { CatalogueEntry } from '../support/bad-input-catalogue.js';
import { catalogueTable, recordBadInput } from '../support/bad-input-catalogue.js';
import { registryKeys } from '../../storage/layout.js';
import { ObjectStore } from '../../storage/gateway.js';
import { snapshotRows } from '../support/snapshot-rows.js';

const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
const dvc = new Dvc(stack.tools.dvc, datasetRemote(stack.minio));
const ingestActivities = createIngestActivities({ storage, dvc });
const validateActivities = createValidateActivities({ storage, dvc });
/**
 * Size of the large file. 64 MiB in `npm test` (1.8 million rows, several times the RSS bound
 * once parsed into rows, so only streaming passes; a GiB takes many minutes on two cores);
 * CTRAIN_BAD_INPUTS_LARGE_MB=1024 reads a full GiB, which holds RSS growth to a few MiB too.
 */
const LARGE_MB = Number(process.env.CTRAIN_BAD_INPUTS_LARGE_MB ?? 64);
const RSS_BOUND = 150 * 1024 * 1024;

const observed: CatalogueEntry[] = [];
const see = (input: string, where: string, type: string, retryable: boolean | 'n/a'): void => {
  observed.push(recordBadInput(input, where, type, retryable));
};

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctrain-bad-inputs-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  console.log(`\n${catalogueTable('bad-inputs catalogue', observed)}\n`);
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(scratch, `${randomUUID().slice(0, 8)}-${name}`);
  await writeFile(path, content);
  return path;
}

const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

/** The clean table as a Parquet file (via the unit tests' minimal writer). */
async function cleanParquet(rows: number): Promise<Buffer> {
  const path = join(scratch, `${randomUUID()}.parquet`);
  const table = Array.from({ length: rows }, (_, i) => cleanRow(i));
  writeParquetFixture(
    path,
    [
      { name: 'id', type: 'int64', values: table.map((row) => BigInt(row.id)) },
      { name: 'x1', type: 'double', values: table.map((row) => row.x1) },
      { name: 'x2', type: 'double', values: table.map((row) => row.x2) },
      { name: 'color', type: 'utf8', values: table.map((row) => row.color) },
      { name: 'y', type: 'boolean', values: table.map((row) => row.y) },
    ],
    { rowGroupSize: 100 },
  );
  return readFile(path);
}

describe.sequential('bad data through the training pipeline: rejected at once, registry and production model unchanged', () => {
  const modelName = `bad-inputs-${randomUUID().slice(0, 8)}`;
  let temporal: Awaited<ReturnType<typeof connectTemporal>>;
  let workers: RunningWorkers;
  let http: HttpSource;

  /** The spec: a small clean CSV, a binary label, a quick network; any model is blessed (the point is what comes after). */
  const spec = async (): Promise<PipelineSpecInput> => ({
    name: modelName,
    source: { uri: await file('clean.csv', cleanCsv(300)), format: 'csv' },
    label: { column: 'y', kind: 'binary' },
    features: { numeric: ['x1', 'x2'], categorical: ['color'] },
    split: { by: 'hash', keys: ['id'], test: 0.2, validation: 0.1 },
    network: { kind: 'mlp', hidden: [8], dropout: 0 },
    training: { epochs: 3, batchSize: 64, learningRate: 1e-2, earlyStopPatience: 0, seed: 3 },
    evaluation: { metric: 'auc', threshold: 0 },
    deploy: { canaryPercent: 10, soak: '1 second', approval: 'auto' },
    drift: { check: '1 hour', psi: 0.2, minRows: 100, cooldown: '1 second' },
  });

  /** What must not move: versions, aliases, and the bytes of the production model and transform. */
  async function production(): Promise<unknown> {
    const registry = await storage.getJson<Registry>(registryKeys.registry(modelName));
    const version = registry?.versions.find((candidate) => candidate.version === registry.aliases.production);
    if (!registry || !version) throw new Error(`${modelName} has no production version in MinIO`);
    const sha = async (ref: typeof version.modelArtifact) => createHash('sha256').update(await storage.getBuffer(ref)).digest('hex');
    return { versions: registry.versions, aliases: registry.aliases, model: await sha(version.modelArtifact), transform: await sha(version.transform) };
  }

  /** Runs the pipeline with these overrides; answers the failed step's activity failure and its ApplicationFailure. */
  async function failedRun(overrides: PipelineOverrides): Promise<{ activity: ActivityFailure; failure: ApplicationFailure; runError: string }> {
    const { runId } = await requestRun(temporal.client, modelName, { source: 'cli', reason: 'bad input', overrides }, workers);
    const { run } = await waitForRun(temporal.client, modelName, runId, 200);
    expect(run.status).toBe('failed');
    const error = await rejection(temporal.client.workflow.getHandle(runId).result());
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activity = (error as WorkflowFailedError).cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    const failure = (activity as ActivityFailure).cause;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    return { activity: activity as ActivityFailure, failure: failure as ApplicationFailure, runError: run.error ?? '' };
  }

  beforeAll(async () => {
    registerPipeline(await spec());
    temporal = await connectTemporal(stack);
    workers = await startWorkers(stack, temporal);
    http = await serveHttpSource({});
    // One good run first: the reference schema and a production model the bad runs must not touch.
    const { runId } = await requestRun(temporal.client, modelName, { source: 'cli', reason: 'clean data' }, workers);
    const { run, registry } = await waitForRun(temporal.client, modelName, runId, 200);
    expect(run.error).toBeUndefined();
    expect(registry.aliases.production).toBe(1);
    // The model workflow writes the registry through to MinIO just after the run is recorded.
    await eventually('production v1 in MinIO', async () => (await storage.getJson<Registry>(registryKeys.registry(modelName)))?.aliases.production === 1);
  });
  afterAll(async () => {
    await http?.close();
    await workers?.stop();
    await temporal?.client.schedule.getHandle(driftScheduleId(modelName)).delete().catch(() => undefined);
    await temporal?.client.workflow.getHandle(modelWorkflowId(modelName)).terminate('bad-inputs test done').catch(() => undefined);
    await temporal?.close();
  });

  type Source = { uri: string; format: 'csv' | 'jsonl' | 'parquet' };
  const csv = async (name: string, content: string | Buffer): Promise<Source> => ({ uri: await file(name, content), format: 'csv' });
  const jsonl = async (name: string, content: string): Promise<Source> => ({ uri: await file(name, content), format: 'jsonl' });
  const text = cleanCsv(20);
  // "café" in Latin-1 on the first data row (line 2): 0xE9 alone is not UTF-8.
  const latin1 = Buffer.concat([Buffer.from(`${text.slice(0, text.indexOf('red'))}caf`), Buffer.from([0xe9]), Buffer.from(text.slice(text.indexOf('red') + 3))]);

  const cases: { input: string; source: () => Promise<Source>; step: string; type: string; message: RegExp }[] = [
    { input: 'empty file (0 bytes)', source: () => csv('empty.csv', ''), step: 'ingest', type: 'EmptyDataset', message: /empty\.csv has no rows: it is an empty file \(0 bytes\)/ },
    { input: 'header only (CRLF)', source: () => csv('header.csv', 'id,x1,x2,color,y\r\n'), step: 'ingest', type: 'EmptyDataset', message: /header\.csv has no rows: it holds a header line only/ },
    { input: 'truncated last line', source: () => csv('cut.csv', `${cleanCsv(50)}50,3.5`), step: 'ingest', type: 'UnreadableSource', message: /cut\.csv line 52: Invalid Record Length: expect 5, got 2 on line 52/ },
    { input: 'wrong delimiter (;)', source: () => csv('semi.csv', cleanCsv(20).replaceAll(',', ';')), step: 'ingest', type: 'UnreadableSource', message: /semi\.csv line 1: the header is one column, "id;x1;x2;color;y": the file looks delimited by ";"/ },
    { input: 'non-UTF-8 bytes (Latin-1)', source: () => csv('latin1.csv', latin1), step: 'ingest', type: 'UnreadableSource', message: /latin1\.csv line 2: byte 0xE9 is not UTF-8; re-export the file as UTF-8/ },
    { input: 'UTF-16 that does not decode', source: () => csv('utf16bad.csv', Buffer.concat([Buffer.from(cleanCsv(3), 'utf16le'), Buffer.from([0x00, 0xdc]), Buffer.from(',1,2,red,true\n', 'utf16le')])), step: 'ingest', type: 'UnreadableSource', message: /utf16bad\.csv line 5: the file reads as UTF-16LE \(no byte-order mark\), but this line holds bytes that are not valid UTF-16/ },
    { input: 'duplicate column names', source: () => csv('dup.csv', cleanCsv(20).replace('x2', 'x1')), step: 'ingest', type: 'UnreadableSource', message: /dup\.csv line 1: the header names column "x1" twice/ },
    { input: 'missing label column', source: () => csv('nolabel.csv', cleanCsv(100, ({ y: _y, ...rest }) => rest)), step: 'validate', type: 'DataValidationError', message: /Label column "y" is not in this dataset \(its columns: id, x1, x2, color\)/ },
    { input: 'label with one class only', source: () => csv('oneclass.csv', cleanCsv(100, (row) => ({ ...row, y: 'false' }))), step: 'validate', type: 'DataValidationError', message: /Binary label "y" is negative in all 100 labelled rows/ },
    { input: 'all-null column (x2)', source: () => csv('nullx2.csv', cleanCsv(100, (row) => ({ ...row, x2: '' }))), step: 'validate', type: 'DataValidationError', message: /Column "x2" is null in 100\.0% of rows \(100 of 100\)/ },
    { input: 'NaN and ±Infinity (CSV text)', source: () => csv('nan.csv', cleanCsv(100, (row, i) => ({ ...row, x1: i % 3 === 0 ? ['NaN', 'Infinity', '-Infinity'][i % 9 / 3]! : row.x1! }))), step: 'validate', type: 'DataValidationError', message: /Column "x1" was numeric in the reference but is categorical now \(most frequent values: ("(NaN|-?Infinity)"(, )?){3}\)/ },
    { input: '±Infinity (JSON Lines 1e999)', source: () => jsonl('inf.jsonl', cleanJsonl(30, (row) => row).replace('"x1":0,', '"x1":1e999,').replace('"x1":3.7,', '"x1":-1e999,')), step: 'ingest', type: 'UnreadableSource', message: /inf\.jsonl line 1: column "x1" is Infinity; write a finite number/ },
    { input: 'numbers as strings (JSON Lines)', source: () => jsonl('strings.jsonl', cleanJsonl(100, (row) => ({ ...row, x2: String(row.x2) }))), step: 'validate', type: 'DataValidationError', message: /Column "x2" was numeric in the reference but is categorical now \(most frequent values: "\d/ },
    { input: 'new categorical value', source: () => csv('purple.csv', cleanCsv(100, (row, i) => ({ ...row, color: i % 4 === 0 ? 'purple' : row.color! }))), step: 'validate', type: 'DataValidationError', message: /Column "color" has 25\.0% of rows \(25 of 100\) in categories the reference never saw: "purple" \(25\)/ },
    { input: 'retyped column (boolean → text)', source: () => csv('retyped.csv', cleanCsv(100, (row) => ({ ...row, y: row.y === 'true' ? 'yes' : 'no' }))), step: 'validate', type: 'DataValidationError', message: /Column "y" was boolean in the reference but is categorical now|Label column "y" has 100 values that are not true\/false or 1\/0/ },
    { input: 'source answers 404', source: () => Promise.resolve({ uri: http.url('/gone.csv'), format: 'csv' }), step: 'ingest', type: 'SourceNotFound', message: /GET http:\/\/127\.0\.0\.1:\d+\/gone\.csv answered HTTP 404/ },
    { input: 'Parquet truncated (no footer)', source: async () => ({ uri: await file('cut.parquet', (await cleanParquet(300)).subarray(0, 700)), format: 'parquet' }), step: 'ingest', type: 'UnreadableSource', message: /cut\.parquet: it does not end with the PAR1 magic \(700 bytes\); the file is truncated or is not Parquet/ },
  ];

  for (const entry of cases) {
    it(entry.input, async () => {
      const before = await production();

      const { activity, failure, runError } = await failedRun({ source: await entry.source() });

      expect(activity.activityType).toBe(entry.step);
      expect([failure.type, failure.nonRetryable, activity.retryState]).toEqual([entry.type, true, 'NON_RETRYABLE_FAILURE']);
      expect(failure.message).toMatch(entry.message);
      expect(runError).toMatch(entry.message);
      expect(await production()).toEqual(before);
      see(entry.input, `pipeline: ${entry.step}`, failure.type ?? '?', !failure.nonRetryable);
    });
  }

  it('an invalid pipeline spec (override)', async () => {
    const before = await production();

    const { activity, failure } = await failedRun({ training: { epochs: 0 }, evaluation: { maxRegression: -1 } });

    expect(activity.activityType).toBe('resolvePipeline');
    expect([failure.type, failure.nonRetryable, activity.retryState]).toEqual(['PipelineSpecError', true, 'NON_RETRYABLE_FAILURE']);
    expect(failure.message).toMatch(/training\.epochs: must be a positive integer/);
    expect(failure.message).toMatch(/evaluation\.maxRegression: must be >= 0/);
    expect(await production()).toEqual(before);
    see('invalid pipeline spec', 'pipeline: resolvePipeline', failure.type ?? '?', !failure.nonRetryable);
  });
});

describe('bad sources at the ingest activity (real MinIO and DVC)', () => {
  const baseSpec = (source: PipelineSpec['source']): PipelineSpec =>
    ({ name: `bad-ingest-${randomUUID().slice(0, 8)}`, source, label: { column: 'y', kind: 'binary' } }) as PipelineSpec;
  const ingest = (spec: PipelineSpec): Promise<IngestManifest> =>
    new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(() => ingestActivities.ingest({ spec }));

  it('a UTF-8 byte-order mark is tolerated: the first column is "id", not "\\uFEFFid"', async () => {
    const spec = baseSpec({ uri: await file('bom.csv', `\uFEFF${cleanCsv(5)}`), format: 'csv' });

    const manifest = await ingest(spec);

    const [first] = await snapshotRows(await storage.getBuffer(manifest.snapshot));
    expect(Object.keys(first ?? {})).toEqual(['id', 'x1', 'x2', 'color', 'y']);
    expect(first).toEqual(cleanRow(0));
    see('UTF-8 byte-order mark', 'tolerated (ingest strips it)', 'none', 'n/a');
  });

  it('UTF-16 without a byte-order mark, big-endian, is decoded: the same rows as the UTF-8 file', async () => {
    const spec = baseSpec({ uri: await file('utf16be.csv', Buffer.from(cleanCsv(5), 'utf16le').swap16()), format: 'csv' });

    const manifest = await ingest(spec);

    expect(await snapshotRows(await storage.getBuffer(manifest.snapshot))).toEqual(Array.from({ length: 5 }, (_, i) => cleanRow(i)));
    see('UTF-16BE, no byte-order mark', 'tolerated (ingest decodes it)', 'none', 'n/a');
  });

  it('a source that refuses connections (loopback port): SourceUnreachable, retryable, naming ECONNREFUSED', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const spec = baseSpec({ uri: `http://127.0.0.1:${port}/data.csv`, format: 'csv' });

    const failure = await rejection(ingest(spec));

    expect(failure).toBeInstanceOf(ApplicationFailure);
    const { type, nonRetryable, message } = failure as ApplicationFailure;
    // A server that is down may come back: Temporal retries it, with the reason in each attempt's failure.
    expect([type, nonRetryable]).toEqual(['SourceUnreachable', false]);
    expect(message).toBe(`GET http://127.0.0.1:${port}/data.csv failed: connect ECONNREFUSED 127.0.0.1:${port}`);
    see('source unreachable (conn. refused)', 'ingest activity', type ?? '?', !nonRetryable);
  });

  it('a Parquet file whose footer length lies: UnreadableSource naming the claimed and real sizes', async () => {
    const good = await cleanParquet(50);
    const lying = Buffer.from(good);
    lying.writeUInt32LE(good.length * 10, good.length - 8);
    const spec = baseSpec({ uri: await file('lying.parquet', lying), format: 'parquet' });

    const failure = await rejection(ingest(spec));

    expect(failure).toBeInstanceOf(ApplicationFailure);
    const { type, nonRetryable, message } = failure as ApplicationFailure;
    expect([type, nonRetryable]).toEqual(['UnreadableSource', true]);
    expect(message).toMatch(new RegExp(`lying\\.parquet: its footer claims ${good.length * 10} bytes but the file has only ${good.length}; the file is truncated or is not Parquet`));
    // Off by a little, the footer itself fails to decode: said as such, not as a bare TypeError.
    const offByTen = Buffer.from(good);
    offByTen.writeUInt32LE(good.readUInt32LE(good.length - 8) + 10, good.length - 8);
    await expect(rejection(ingest(baseSpec({ uri: await file('off.parquet', offByTen), format: 'parquet' })))).resolves.toMatchObject({
      type: 'UnreadableSource',
      nonRetryable: true,
      message: expect.stringMatching(/off\.parquet: its footer \(the file's metadata\) cannot be decoded: .*; the file is corrupt, or its footer length is wrong/) as unknown,
    });
    see('Parquet footer length lies', 'ingest activity', type ?? '?', !nonRetryable);
  });

  it(`a large file streams with bounded memory: reading and statistics of ${LARGE_MB} MiB, ingest of a smaller one`, { timeout: 20 * 60_000 }, async () => {
    const path = join(scratch, 'large.csv');
    const written = await writeLargeCsv(path, LARGE_MB * 1024 * 1024);

    const read = await peakRssInChild<{ rowCount: number; columns: string[] }>('read-statistics', path);

    expect(read.result.rowCount).toBe(written.rows);
    expect(read.result.columns).toEqual(['id', 'x1', 'x2', 'color', 'y', 'note']);
    expect(read.growth).toBeLessThan(RSS_BOUND);
    await rm(path);

    // Ingest goes through DVC (md5, cache copy, push): on this 2-core machine a GiB takes minutes, so at most 32 MiB.
    const smaller = join(scratch, 'ingest-large.csv');
    const ingestWritten = await writeLargeCsv(smaller, Math.min(LARGE_MB, 32) * 1024 * 1024);
    const ingested = await peakRssInChild<IngestManifest>('ingest', JSON.stringify(baseSpec({ uri: smaller, format: 'csv' })), { CTRAIN_TEST_STACK: JSON.stringify(stack) });
    expect(ingested.result.rows).toBe(ingestWritten.rows);
    expect(ingested.growth).toBeLessThan(RSS_BOUND);
    console.log(
      `large file: read+statistics of ${(written.bytes / 2 ** 20).toFixed(0)} MiB (${written.rows} rows) grew RSS by ${(read.growth / 2 ** 20).toFixed(0)} MiB; ` +
        `ingest of ${(ingestWritten.bytes / 2 ** 20).toFixed(0)} MiB grew it by ${(ingested.growth / 2 ** 20).toFixed(0)} MiB (bound ${RSS_BOUND / 2 ** 20} MiB)`,
    );
    see(`large file (${LARGE_MB} MiB read, RSS +${(read.growth / 2 ** 20).toFixed(0)} MiB)`, 'accepted, streamed', 'none', 'n/a');
  });

  /** Ingests `source` as the first run of a pipeline with features x1, x2 (numeric) and color, and returns validate's refusal. */
  async function firstRunRefusal(source: PipelineSpec['source']): Promise<ApplicationFailure> {
    const spec = { ...baseSpec(source), features: { numeric: ['x1', 'x2'], categorical: ['color'], impute: 'mean', maxVocabulary: 10 } } as PipelineSpec;
    const ingested = await ingest(spec);
    const failure = await rejection(validateActivities.validate({ spec, specHash: 'test', ingest: ingested }));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect([(failure as ApplicationFailure).type, (failure as ApplicationFailure).nonRetryable]).toEqual(['DataValidationError', true]);
    return failure as ApplicationFailure;
  }

  it('NaN and Infinity as text in a numeric feature, with no reference yet: validate refuses it (not_numeric)', async () => {
    const { type, nonRetryable, message } = await firstRunRefusal({ uri: await file('first-nan.csv', cleanCsv(60, (row, i) => ({ ...row, x1: i % 2 ? 'NaN' : 'Infinity' }))), format: 'csv' });

    expect(message).toMatch(/Column "x1" is a numeric feature but holds text: "Infinity" \(30\), "NaN" \(30\)\. Numbers must be plain numbers, not quoted strings, NaN or Infinity/);
    see('NaN/Infinity text, first run', 'validate activity', type ?? '?', !nonRetryable);
  });

  it('a nested column in a feature, with no reference yet: validate refuses it (nested_feature)', async () => {
    const { type, nonRetryable, message } = await firstRunRefusal({ uri: await file('nested.jsonl', cleanJsonl(60, (row) => ({ ...row, color: { name: row.color, shade: 1 } }))), format: 'jsonl' });

    expect(message).toMatch(/Column "color" is a feature but holds nested values \(JSON objects or arrays\); a feature takes numbers, text or true\/false/);
    see('nested column in a feature, first run', 'validate activity', type ?? '?', !nonRetryable);
  });

  it('a number beyond float32 in a numeric feature: validate refuses it, naming the column, the count and the first row', async () => {
    const { type, nonRetryable, message } = await firstRunRefusal({ uri: await file('huge.csv', cleanCsv(60, (row, i) => ({ ...row, x2: i === 6 || i === 40 ? '-4e38' : row.x2! }))), format: 'csv' });

    expect(message).toMatch(/Column "x2" holds 2 numbers beyond float32's range \(±3\.4028e\+38\), which training's float32 inputs cannot hold \(first on row 7: -4e\+38\)/);
    see('number beyond float32 (-4e38)', 'validate activity', type ?? '?', !nonRetryable);
  });
});

describe('bad requests to the model server and the alert receiver', () => {
  let server: ModelServer;
  const modelName = `bad-requests-${randomUUID().slice(0, 8)}`;
  const [good = {}] = flightRows(1);
  const predict = (payload: unknown): Promise<LightMyRequestResponse> =>
    server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/predict`, payload: payload as object });

  beforeAll(async () => {
    const { entry, layersModel } = await publishVersion(storage, modelName, 1, fittedTransform());
    layersModel.dispose();
    await writeRegistry(storage, modelName, [entry], { production: 1 });
    server = await createModelServer({ storage, models: [modelName], pollMs: 100, bodyLimit: 8192 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a row missing every field: 400 naming each one', async () => {
    const reply = await predict({ rows: [good, {}] });
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({
      error: 'invalid_input',
      problems: ['distance', 'hour', 'carrier'].map((field) => ({ row: 1, field, message: 'is missing (send null when the value is unknown)' })),
    });
    see('scoring: missing fields', 'model server (predict)', `HTTP ${reply.statusCode} invalid_input`, false);
  });

  it('extra fields: inside a row ignored (scored as without), beside "rows" refused as a likely typo', async () => {
    const plain = await predict({ row: good });
    const extra = await predict({ row: { ...good, flight: 'AA100', late: true } });
    expect([plain.statusCode, extra.statusCode]).toEqual([200, 200]);
    const score = (reply: LightMyRequestResponse) => reply.json<{ predictions: { score: number }[] }>().predictions[0]?.score;
    expect(score(extra)).toBe(score(plain));

    const typo = await predict({ rows: [good], canaryPercent: 100 });
    expect(typo.statusCode).toBe(400);
    expect(typo.json()).toEqual({ error: 'invalid_request', message: 'body has unknown field "canaryPercent"; it takes "rows" (an array of objects) or "row" (an object)' });
    see('scoring: extra fields (body level)', 'model server (predict)', `HTTP ${typo.statusCode} invalid_request`, false);
  });

  it('wrongly typed fields: 400 naming row, field and the type expected', async () => {
    const reply = await predict({ rows: [{ ...good, distance: '100' }, { ...good, hour: true, carrier: { code: 'AA' } }, { ...good, hour: [3] }] });
    expect(reply.statusCode).toBe(400);
    expect(reply.json<{ problems: unknown[] }>().problems).toEqual([
      { row: 0, field: 'distance', message: 'must be a finite number' },
      { row: 1, field: 'hour', message: 'must be a finite number' },
      { row: 1, field: 'carrier', message: 'must be a string' },
      { row: 2, field: 'hour', message: 'must be a finite number' },
    ]);
    see('scoring: wrongly typed fields', 'model server (predict)', `HTTP ${reply.statusCode} invalid_input`, false);
  });

  it('an oversized body: 413 body_too_large on predict and on outcomes, before any parsing', async () => {
    const big = { rows: flightRows(400) };
    const replies = await Promise.all(
      ['predict', 'outcomes'].map((route) => server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/${route}`, payload: big })),
    );
    for (const reply of replies) {
      expect(reply.statusCode).toBe(413);
      expect(reply.json<{ error: string }>().error).toBe('body_too_large');
    }
    see('oversized request body', 'model server (body limit)', 'HTTP 413 body_too_large', false);
  });

  it('malformed alert payloads: 400 naming the problem; an oversized one 413', async () => {
    const temporal = await connectTemporal(stack);
    const receiver = createAlertReceiver({ client: temporal.client, taskQueue: `unused-${randomUUID()}`, auth: { bearerTokens: ['t'] }, bodyLimit: 4096 });
    try {
      const post = (url: string, payload: string) =>
        receiver.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', authorization: 'Bearer t' } });
      const cases: [string, string, string, RegExp][] = [
        ['/alerts/alertmanager', 'null', 'invalid_payload', /^body is not an Alertmanager webhook body \(version 4\) with "alerts": \(body\): /],
        ['/alerts/alertmanager', '{"alerts":{"status":"firing"}}', 'invalid_payload', /alerts: /],
        ['/alerts/alertmanager', '{"alerts":[{"status":"firing","labels":{"model":42}}]}', 'invalid_payload', /alerts\[0\]\.labels\.model: /],
        ['/alerts', '{"model":"   ","reason":"drift"}', 'invalid_payload', /model: must not be empty/],
        ['/alerts', '[]', 'invalid_payload', /must hold at least one alert/],
        ['/alerts', '{"model":"m","reason":"r"', 'invalid_json', /^body is not valid JSON/],
      ];
      for (const [url, payload, error, message] of cases) {
        const reply = await post(url, payload);
        expect(reply.statusCode, `${url} ${payload}`).toBe(400);
        expect(reply.json<{ error: string }>().error).toBe(error);
        expect(reply.json<{ message: string }>().message).toMatch(message);
      }
      const oversized = await post('/alerts', JSON.stringify({ model: 'm', reason: 'x'.repeat(8192) }));
      expect([oversized.statusCode, oversized.json<{ error: string }>().error]).toEqual([413, 'body_too_large']);
      see('malformed alert payloads', 'alert receiver', 'HTTP 400 invalid_payload/invalid_json', false);
    } finally {
      await receiver.close();
      await temporal.close();
    }
  });
});
