import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { NonRetryableType } from '../contracts/failure-types.js';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import type { BatchColumnType, BatchPlan, BatchScoreInput, BatchScoreResult, ChunkResult, FinishBatchInput, ScoreChunkInput } from '../contracts/batch-score.js';
import { BATCH_DEFAULTS, chunkBounds, chunkFirstRow } from '../contracts/batch-score.js';
import { parseOutputUri } from '../contracts/output-uri.js';
import type { ModelVersion } from '../contracts/model.js';
import { loadRegistry } from '../infra/registry-store.js';
import type { ObjectRef } from '../contracts/pipeline-run.js';
import { formatPercent } from '../format/numbers.js';
import { selectBackend } from '../model/index.js';
import type { LoadedVersion } from '../scoring/loaded-version.js';
import { loadVersion } from '../scoring/loaded-version.js';
import { ADDED_COLUMNS, findMisfitCell, mergeColumnType, outputName, scoreBatchRows } from '../scoring/batch-rows.js';
import type { TableRow } from '../tabular/index.js';
import { detectFormat, openParquet, readParquetRange, readRows, rowGroupSizes, TabularReadError } from '../tabular/index.js';
import { toCsv, toParquet } from '../tabular/write.js';
import type { ActivityDependencies } from './dependencies.js';
import { localSourceFile } from './source.js';
import { sourcePolicyFromEnv } from './source-policy.js';
import { failForGoodOn } from './unrecoverable.js';
import { shippedSpecs } from '../pipelines/format-one-specs.js';
import { batchKeys, batchOutputKeys, registryKeys } from '../storage/layout.js';
import { uriOf } from '../contracts/pipeline-run.js';
import { inputWithModelName } from '../contracts/format-renames.js';
import type { ObjectStore } from '../storage/gateway.js';

/**
 * Batch scoring (DESIGN §6b): planBatch cuts the input into chunks stored in MinIO, scoreChunk
 * scores one chunk with the same transform and scoring code as the model server, and finishBatch
 * adds the chunks up, checks the rejected share and writes the manifest. Every object's key comes
 * from the run id and chunk index, and a chunk counts as scored only once its done record, written
 * last, is there: a retried or resumed chunk reuses its output, so no row is scored twice or lost.
 */
export function createBatchScoreActivities({ storage, pseudonymKey, sources = sourcePolicyFromEnv() }: ActivityDependencies) {
  const loaded = new Map<string, Promise<LoadedVersion>>();

  /** A version's model and transform, loaded once per worker (a few kept, the oldest disposed). */
  function loadOnce(modelName: string, version: number): Promise<LoadedVersion> {
    const id = `${modelName}@${version}`;
    let entry = loaded.get(id);
    if (!entry) {
      // The same backend choice as the model server and evaluate make, before any tensor exists.
      // With the settings of the spec stored on the version: one whose spec is unknown, or that needs a key this worker lacks, fails for good.
      entry = selectBackend().then(() => failForGoodOn(async () => loadVersion(storage, await resolveVersion(storage, modelName, { version }), { pseudonymKey, formatOne: shippedSpecs })));
      entry.catch(() => loaded.delete(id));
      loaded.set(id, entry);
      for (const [old, promise] of [...loaded].slice(0, Math.max(0, loaded.size - 4))) {
        loaded.delete(old);
        void promise.then((version) => version.layersModel.dispose(), () => undefined);
      }
    }
    return entry;
  }

  return {
    /** Resolves the version and cuts the input into chunks (CSV, JSON and JSON Lines read once into chunk objects; Parquet copied and split by row group); an existing plan for the run is reused. */
    async planBatch(scheduled: BatchScoreInput & { runId: string }): Promise<BatchPlan> {
      // Scheduled by earlier code before an upgrade, it names the model `model`.
      const input = inputWithModelName(scheduled);
      const planRef: ObjectRef = batchKeys.plan(input.runId);
      const existing = await storage.getJson<BatchPlan>(planRef);
      // A plan an earlier ctrain stored names its model `model`.
      if (existing) return { ...inputWithModelName(existing), reused: true };

      const entry = await resolveVersion(storage, input.modelName, input);
      const output = nonRetryable(() => parseOutputUri(input.output), FAILURE_TYPES.InvalidOutput);
      const format = nonRetryable(() => detectFormat(input.input), FAILURE_TYPES.InvalidInput);
      const chunkRows = input.chunkRows ?? BATCH_DEFAULTS.chunkRows;
      if (!Number.isInteger(chunkRows) || chunkRows < 1) throw ApplicationFailure.nonRetryable(`chunkRows must be a positive whole number, got ${chunkRows}`, FAILURE_TYPES.InvalidInput);
      await storage.ensureBucket(output.bucket);

      const workspace = await mkdtemp(join(tmpdir(), 'ctrain-score-'));
      let chunking: Chunking;
      try {
        const path = await localSourceFile(input.input, join(workspace, 'input.download'), storage, sources);
        chunking = format === 'parquet' ? await chunkParquet(storage, input, path, chunkRows) : await chunkAsJsonLines(storage, input.runId, readRows(path, format), chunkRows);
      } catch (error) {
        if (error instanceof TabularReadError) throw ApplicationFailure.nonRetryable(`Cannot read ${input.input}: ${error.message}`, FAILURE_TYPES.InvalidInput);
        throw error;
      } finally {
        await rm(workspace, { recursive: true, force: true });
      }
      const { rows, chunks, columns, parquet } = chunking;

      const plan: BatchPlan = {
        runId: input.runId,
        modelName: input.modelName,
        version: entry.version,
        input: input.input,
        output,
        format: input.format ?? 'parquet',
        rows,
        chunkRows,
        chunks,
        columns,
        ...(parquet ? { parquet } : {}),
        plan: planRef,
        reused: false,
      };
      await storage.putJson(planRef, plan);
      return plan;
    },

    /** Scores one chunk, or returns the output an earlier attempt wrote when it is there with its checksum. */
    async scoreChunk({ plan: planRef, index }: ScoreChunkInput): Promise<ChunkResult> {
      const plan = await readPlan(storage, planRef);
      const doneRef: ObjectRef = batchKeys.done(plan.runId, index);
      const done = await storage.getJson<ChunkResult>(doneRef);
      if (done && (await storage.stat(done.output))?.sha256 === done.sha256) return { ...done, reused: true };

      const version = await loadOnce(plan.modelName, plan.version);
      const rows = await readChunk(storage, plan, index);
      const firstRow = chunkFirstRow(plan, index);
      // The model learned its personal columns as pseudonyms: it scores those, the output keeps the rows as they came.
      const scoring = version.scoringRows(rows) as readonly TableRow[];

      const { scored, rejects } = await scoreBatchRows(version, rows, firstRow, { scoring, onStep: (done) => Context.current().heartbeat({ index, rows: done }) });
      const columns = [...ADDED_COLUMNS, ...plan.columns.map(({ name, type }) => ({ name: outputName(name), type }))];
      // A Parquet plan's types come from a sample: a later cell of another type must fail loudly, not be written as null.
      const misfit = plan.format === 'parquet' ? findMisfitCell(scored, columns) : undefined;
      if (misfit) throw ApplicationFailure.nonRetryable(`Cannot write row ${String(misfit.rowId)} of ${plan.input}: column ${misfit.column} holds ${JSON.stringify(misfit.cell)}, but the plan typed it ${misfit.type} from the file's schema and first rows; write the column with one type, or score the input as CSV or JSON Lines`, FAILURE_TYPES.InvalidInput);
      const body = plan.format === 'csv' ? toCsv(scored, columns) : toParquet(scored, columns);
      const output: ObjectRef = batchOutputKeys.part(plan.output, plan.runId, index, plan.format);
      await storage.putBuffer(output, body, plan.format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet');
      let rejectsRef: ObjectRef | undefined;
      if (rejects.length > 0) {
        rejectsRef = batchKeys.rejects(plan.runId, index);
        await storage.putBuffer(rejectsRef, Buffer.from(rejects.map((reject) => `${JSON.stringify(reject)}\n`).join('')), 'application/x-ndjson');
      }
      const result: ChunkResult = { index, firstRow, rows: rows.length, scored: scored.length, rejected: rejects.length, output, sha256: sha256(body), ...(rejectsRef ? { rejects: rejectsRef } : {}) };
      await storage.putJson(doneRef, result);
      return result;
    },

    /** Adds up every chunk's done record, gathers the rejects, fails past maxRejectShare, and writes the manifest. */
    async finishBatch({ plan: planRef, maxRejectShare, seconds, planSeconds }: FinishBatchInput): Promise<BatchScoreResult> {
      const plan = await readPlan(storage, planRef);
      const results: ChunkResult[] = [];
      for (let start = 0; start < plan.chunks; start += 32) {
        const indexes = Array.from({ length: Math.min(32, plan.chunks - start) }, (_, k) => start + k);
        results.push(
          ...(await Promise.all(
            indexes.map(async (index) => {
              const done = await storage.getJson<ChunkResult>(batchKeys.done(plan.runId, index));
              if (!done) throw ApplicationFailure.nonRetryable(`Chunk ${index} of ${plan.runId} has no done record: it was never scored.`, FAILURE_TYPES.ChunkMissing);
              return done;
            }),
          )),
        );
      }
      const sum = (field: 'rows' | 'scored' | 'rejected') => results.reduce((total, result) => total + result[field], 0);
      const [rows, scored, rejected] = [sum('rows'), sum('scored'), sum('rejected')];
      if (rows !== plan.rows || scored + rejected !== rows) throw ApplicationFailure.nonRetryable(`Chunks of ${plan.runId} hold ${rows} rows (${scored} scored, ${rejected} rejected) but the input had ${plan.rows}.`, FAILURE_TYPES.ChunkMismatch);

      let rejects: ObjectRef | undefined;
      if (rejected > 0) {
        rejects = batchOutputKeys.rejects(plan.output, plan.runId);
        const parts = await Promise.all(results.filter((result) => result.rejects).map((result) => storage.getBuffer(result.rejects!)));
        await storage.putBuffer(rejects, Buffer.concat(parts), 'application/x-ndjson');
      }
      const share = plan.rows === 0 ? 0 : rejected / plan.rows;
      if (share > maxRejectShare) {
        throw ApplicationFailure.nonRetryable(
          `${rejected} of ${plan.rows} rows (${formatPercent(share)}) failed validation, more than maxRejectShare ${formatPercent(maxRejectShare)}; the rejected rows and reasons are in ${uriOf(rejects!)}`,
          FAILURE_TYPES.RejectShareExceeded,
        );
      }
      const manifest: ObjectRef = batchOutputKeys.manifest(plan.output, plan.runId);
      const result: BatchScoreResult = {
        runId: plan.runId,
        modelName: plan.modelName,
        version: plan.version,
        input: plan.input,
        format: plan.format,
        rows,
        scored,
        rejected,
        chunks: plan.chunks,
        reusedChunks: 0,
        outputs: results.map((chunk) => chunk.output),
        ...(rejects ? { rejects } : {}),
        manifest,
        seconds,
        rowsPerSecond: seconds > 0 ? rows / seconds : 0,
        planSeconds,
      };
      await storage.putJson(manifest, result);
      return result;
    },
  };
}

/** How planning cut the input: counts, the output columns, and for Parquet the run's copy and chunk bounds. */
interface Chunking {
  rows: number;
  chunks: number;
  columns: BatchPlan['columns'];
  parquet?: BatchPlan['parquet'];
}

/** Reads every row once and stores each `chunkRows` of them as a JSON Lines chunk object; column types from every cell. */
async function chunkAsJsonLines(storage: ObjectStore, runId: string, source: AsyncIterable<TableRow>, chunkRows: number): Promise<Chunking> {
  const types = new Map<string, BatchColumnType | undefined>();
  let rows = 0;
  let chunks = 0;
  let pending: TableRow[] = [];
  const flush = async (): Promise<void> => {
    await storage.putBuffer(batchKeys.chunk(runId, chunks), Buffer.from(pending.map((row) => `${JSON.stringify(row)}\n`).join('')), 'application/x-ndjson');
    chunks += 1;
    pending = [];
    Context.current().heartbeat({ rows });
  };
  for await (const row of source) {
    for (const [column, cell] of Object.entries(row)) types.set(column, mergeColumnType(types.get(column), cell));
    pending.push(row);
    rows += 1;
    if (pending.length === chunkRows) await flush();
  }
  if (pending.length > 0) await flush();
  return { rows, chunks, columns: [...types].map(([name, type]) => ({ name, type: type ?? 'string' })) };
}

/** Rows read to type a Parquet input's columns (with the schema where they are all null). */
const PARQUET_SAMPLE_ROWS = 10_000;

/**
 * A Parquet input is not rewritten: its footer gives the row groups, which become chunk bounds,
 * a sample of its first rows gives the column types, and the file is copied into the run's own
 * prefix, so a resumed run reads the same bytes even if the source changes.
 */
async function chunkParquet(storage: ObjectStore, { runId, input }: { runId: string; input: string }, path: string, chunkRows: number): Promise<Chunking> {
  const parquet = await openParquet(input, path);
  const bounds = chunkBounds(rowGroupSizes(parquet), chunkRows);
  const rows = bounds.at(-1)!;
  const topLevel = topLevelColumns(parquet.metadata.schema);
  const types = new Map<string, BatchColumnType | undefined>(topLevel.map((column) => [column.name, undefined]));
  for (const row of await readParquetRange(parquet, 0, Math.min(rows, PARQUET_SAMPLE_ROWS))) {
    for (const [column, cell] of Object.entries(row)) types.set(column, mergeColumnType(types.get(column), cell));
  }
  const object: ObjectRef = batchKeys.parquetInput(runId);
  await storage.putFile(object, path, 'application/vnd.apache.parquet');
  const schema = new Map(topLevel.map((column) => [column.name, column]));
  const columns = [...types].map(([name, type]) => ({ name, type: type ?? schemaType(schema.get(name)) }));
  return { rows, chunks: bounds.length - 1, columns, parquet: { object, bounds } };
}

/** The root's direct children in a flattened Parquet schema (a nested column's descendants follow it, `num_children` at each level). */
function topLevelColumns<T extends { num_children?: number }>(schema: readonly T[]): T[] {
  const columns: T[] = [];
  let index = 1;
  const skip = (at: number): number => {
    let next = at + 1;
    for (let child = 0; child < (schema[at]?.num_children ?? 0); child += 1) next = skip(next);
    return next;
  };
  while (index < schema.length) {
    columns.push(schema[index]!);
    index = skip(index);
  }
  return columns;
}

/** A column's type from its Parquet schema alone: plain booleans and numbers keep their type, the rest (dates, decimals, text) is written as text. */
function schemaType(column: { type?: string; converted_type?: string; logical_type?: unknown } | undefined): BatchColumnType {
  if (!column || column.converted_type || column.logical_type) return 'string';
  if (column.type === 'BOOLEAN') return 'boolean';
  return ['INT32', 'INT64', 'FLOAT', 'DOUBLE'].includes(column.type ?? '') ? 'number' : 'string';
}

/** A chunk's input rows: its JSON Lines object, or its row range of the run's Parquet copy (only the row group it lies in is fetched). */
async function readChunk(storage: ObjectStore, plan: BatchPlan, index: number): Promise<TableRow[]> {
  if (plan.parquet) {
    const { object, bounds } = plan.parquet;
    const parquet = await openParquet(uriOf(object), await storage.asyncBuffer(object));
    return readParquetRange(parquet, bounds[index]!, bounds[index + 1]!);
  }
  return (await storage.getBuffer(batchKeys.chunk(plan.runId, index)))
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as TableRow);
}

/** The registry entry for a version number, or for an alias ('production' by default); a missing one fails for good, naming it. */
async function resolveVersion(storage: ObjectStore, modelName: string, { version, alias }: Pick<BatchScoreInput, 'version' | 'alias'>): Promise<ModelVersion> {
  const registry = await loadRegistry(storage, modelName);
  if (!registry) throw ApplicationFailure.nonRetryable(`Model ${modelName} has no registry at ${uriOf(registryKeys.registry(modelName))}: train it first.`, FAILURE_TYPES.ModelNotFound);
  const wanted = version ?? registry.aliases[alias ?? 'production'];
  const entry = registry.versions.find((candidate) => candidate.version === wanted);
  if (entry) return entry;
  const which = version !== undefined ? `version ${version}` : `a ${alias ?? 'production'} version`;
  throw ApplicationFailure.nonRetryable(`Model ${modelName} has no ${which} (registered: ${registry.versions.map((v) => v.version).join(', ') || 'none'}).`, FAILURE_TYPES.ModelVersionNotFound);
}


async function readPlan(storage: ObjectStore, ref: ObjectRef): Promise<BatchPlan> {
  const plan = await storage.getJson<BatchPlan>(ref);
  if (!plan) throw ApplicationFailure.nonRetryable(`Batch plan ${uriOf(ref)} does not exist.`, FAILURE_TYPES.PlanMissing);
  return inputWithModelName(plan);
}

function nonRetryable<T>(body: () => T, type: NonRetryableType): T {
  try {
    return body();
  } catch (error) {
    throw ApplicationFailure.nonRetryable((error as Error).message, type);
  }
}

const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');
