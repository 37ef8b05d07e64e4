import { defineQuery } from '@temporalio/workflow';
import type { ObjectRef } from './pipeline-run.js';

/** Contracts of a batch score: a model run over a large file as a workflow of chunk activities. Only ids, URIs and counts. */

export const BATCH_DEFAULTS = {
  /** Rows per chunk (one scoreChunk activity each). */
  chunkRows: 100_000,
  /** Rejected rows may be at most this share of all rows (0–1); past it the run fails. */
  maxRejectShare: 0.01,
  /** Chunks scored at once per workflow. */
  concurrency: 4,
  /** Past this many chunks, the workflow fans out to child workflows, each scoring a range of at most this many. */
  maxChunksPerWorkflow: 1_000,
} as const;

export type BatchOutputFormat = 'parquet' | 'csv';

/** Input of {@link batchScoreWorkflow}; plain JSON so `temporal workflow start` can start one. */
export interface BatchScoreInput {
  /** A registered model's name. */
  modelName: string;
  /** The rows to score: a file, `file://`, `package://`, `http(s)://` or `s3://` URI of CSV, a JSON array (.json), JSON Lines or Parquet. */
  input: string;
  /** Where the scored rows go: `s3://bucket/prefix`. Objects land under `<prefix>/<run id>/`. */
  output: string;
  /** Registered version to score with. Default: the `alias`'s version. */
  version?: number;
  /** Alias whose version scores, when no `version` is given. Default 'production'. */
  alias?: 'production' | 'canary';
  /** Output format. Default 'parquet'. */
  format?: BatchOutputFormat;
  /** Default {@link BATCH_DEFAULTS.chunkRows}. */
  chunkRows?: number;
  /** Default {@link BATCH_DEFAULTS.maxRejectShare}. */
  maxRejectShare?: number;
  /** Default {@link BATCH_DEFAULTS.concurrency}. */
  concurrency?: number;
  /** Default {@link BATCH_DEFAULTS.maxChunksPerWorkflow}. */
  maxChunksPerWorkflow?: number;
}

/** How a column of the input is written to Parquet: the type every non-null value in the whole input has. */
export type BatchColumnType = 'number' | 'boolean' | 'string';

/**
 * The plan of a batch score, written to MinIO by planBatch. A CSV or JSON Lines input is cut
 * into chunks of `chunkRows` rows (the last may be shorter), each stored as JSON Lines at
 * `batchKeys.chunk(index)`: chunk `i` holds input rows `i * chunkRows` up to the next chunk's
 * first. A Parquet input is copied whole into the run's prefix and not rewritten: `parquet`
 * says which rows each chunk reads from it (see {@link chunkBounds}), so planning reads only
 * the file's footer and a sample.
 */
export interface BatchPlan {
  /** Id of the root batch-score workflow: every object key of the run derives from it. */
  runId: string;
  modelName: string;
  version: number;
  input: string;
  /** Where outputs go. */
  output: ObjectRef;
  format: BatchOutputFormat;
  rows: number;
  chunkRows: number;
  chunks: number;
  columns: { name: string; type: BatchColumnType }[];
  /** Parquet inputs: the run's copy of the file, and chunk `i`'s rows, `bounds[i]` up to `bounds[i + 1]`. */
  parquet?: { object: ObjectRef; bounds: number[] };
  /** The plan itself in MinIO. */
  plan: ObjectRef;
  /** True when an earlier attempt or run with this id had already planned it. */
  reused: boolean;
}

/** Input of scoreChunk: which chunk of which plan. */
export interface ScoreChunkInput {
  plan: ObjectRef;
  index: number;
}

/** What one chunk produced: also its done record in MinIO, written last, which makes the chunk count as scored. */
export interface ChunkResult {
  index: number;
  /** Global row number of the chunk's first row. */
  firstRow: number;
  rows: number;
  scored: number;
  rejected: number;
  output: ObjectRef;
  /** SHA-256 of the output object's bytes. */
  sha256: string;
  /** The chunk's rejected rows (JSON Lines: row_id, reason, row), when it had any. */
  rejects?: ObjectRef;
  /** True when an earlier attempt had already scored it and its output was reused. */
  reused?: boolean;
}

/** Counts a range of chunks adds up to. */
export interface ChunkTotals {
  chunks: number;
  rows: number;
  scored: number;
  rejected: number;
  reused: number;
}

/** Input of a child workflow that scores chunks `from` (inclusive) to `to` (exclusive) of a plan. */
export interface ScoreRangeInput {
  plan: ObjectRef;
  modelName: string;
  from: number;
  to: number;
  concurrency: number;
}

/** Input of finishBatch. */
export interface FinishBatchInput {
  plan: ObjectRef;
  maxRejectShare: number;
  /** Wall-clock seconds the run took, from the workflow's clock. */
  seconds: number;
  /** Of those, the seconds planning took (reading the input into chunks). */
  planSeconds: number;
}

/** What a batch score hands back, also written as `<prefix>/<run id>/manifest.json`. */
export interface BatchScoreResult {
  runId: string;
  modelName: string;
  version: number;
  input: string;
  format: BatchOutputFormat;
  rows: number;
  scored: number;
  rejected: number;
  chunks: number;
  /** Chunks whose output an earlier attempt or run had written, and which were reused. */
  reusedChunks: number;
  /** The scored rows, one object per chunk, in row order. */
  outputs: ObjectRef[];
  /** Every rejected row (JSON Lines: row_id, reason, row), when there were any. */
  rejects?: ObjectRef;
  manifest: ObjectRef;
  seconds: number;
  rowsPerSecond: number;
  /** Seconds of `seconds` spent planning (reading the input into chunks); the rest scored and finished. */
  planSeconds: number;
}

/** Live progress of a batch score (or of one of its child ranges). */
export interface BatchProgress {
  phase: 'planning' | 'scoring' | 'finishing' | 'done';
  chunksDone: number;
  chunksTotal: number;
  rowsDone: number;
  rowsTotal: number;
  rejected: number;
  /** Rows scored per second since scoring began. */
  rowsPerSecond: number;
}

export const batchProgressQuery = defineQuery<BatchProgress>('batchProgress');

/** Workflow id of a batch score started at `at` (ISO-8601): `<model>.score.<time>`. */
export const batchScoreWorkflowId = (modelName: string, at: string): string => `${modelName}.score.${at.replace(/[-:.]/g, '')}`;

/**
 * Chunk boundaries for a Parquet file with row groups of `groupSizes` rows: each group is split
 * into the fewest near-equal chunks of at most `chunkRows`, so no chunk straddles two groups
 * (a chunk decodes only its own group). The first row of each chunk, then the total.
 */
export function chunkBounds(groupSizes: readonly number[], chunkRows: number): number[] {
  const bounds = [0];
  let start = 0;
  for (const size of groupSizes) {
    const parts = Math.ceil(size / chunkRows);
    for (let part = 1; part <= parts; part += 1) bounds.push(start + Math.round((size * part) / parts));
    start += size;
  }
  return bounds;
}

/** Global row number of chunk `index`'s first row. */
export const chunkFirstRow = (plan: Pick<BatchPlan, 'chunkRows' | 'parquet'>, index: number): number => plan.parquet?.bounds[index] ?? index * plan.chunkRows;
