import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import type { CacheOptions, FeatureManifest, IngestManifest } from '../contracts/pipeline-run.js';
import type { LabelSpec, PipelineSpec } from '../contracts/pipeline-spec.js';
import { labelOf } from '../features/label.js';
import { categorySlots } from '../features/row-encoding.js';
import { FeatureValueError } from '../features/values.js';
import { SplitFiles, splitFileNames, TEST_ROWS_FILE } from '../features/split-files.js';
import type { SplitName } from '../features/split.js';
import { SPLIT_CODES, SPLIT_NAMES, SplitError, SplitRecorder, splitNameOf } from '../features/split.js';
import type { TransformedRow } from '../features/transform.js';
import { applyTransform, FeatureFitError, TransformFitter } from '../features/transform.js';
import { cacheKey } from '../infra/artifacts.js';
import type { EngineFeatures, FilesWritten } from '../features/snapshot-features.js';
import { featureOnEngine } from '../features/snapshot-features.js';
import { STEP_ENGINE, withEngine } from '../tabular/engine.js';
import { snapshotColumns } from '../tabular/snapshot-statistics.js';
import { detectFormat, readRows } from '../tabular/read.js';
import { pullDatasetVersion } from './dataset.js';
import type { FeatureTransform } from '../features/feature-transform.js';
import { featureWidth } from '../features/feature-transform.js';
import type { TableRow } from '../tabular/row.js';
import type { ActivityDependencies } from './dependencies.js';
import { completeStep, reuseCached, withScratch } from './step-cache.js';
import { stepKeys } from '../storage/layout.js';

/** Bump when the feature step's output for the same inputs would change. */
const FEATURE_CODE_VERSION = 'feature-3';

export interface FeatureInput {
  spec: PipelineSpec;
  ingest: IngestManifest;
  cache?: CacheOptions;
}

/**
 * Splits deterministically, fits the transform on the training split only, and stores the transform and the transformed splits.
 * On the columnar engine where it can (a Parquet snapshot of clean, plain columns, split by time); otherwise row by row, in
 * three streaming passes (split, fit, transform) that keep per row only a time or a split code and the training values.
 * Either way the splits go to scratch files and up from there.
 */
export function createFeatureActivities({ storage }: ActivityDependencies) {
  return {
    async feature({ spec, ingest, cache }: FeatureInput): Promise<FeatureManifest> {
      const config = { features: spec.features, label: spec.label, split: spec.split };
      const key = cacheKey('feature', FEATURE_CODE_VERSION, config, { dataset: ingest.contentHash });
      const cached = await reuseCached<FeatureManifest>(storage, 'feature', key, cache);
      if (cached) return cached;

      const output = (name: string) => stepKeys.output('feature', key, name);
      const outputs = await withScratch('feature', async (dir) => {
        const snapshot = await pullDatasetVersion(storage, ingest, dir);
        const uploads: Promise<unknown>[] = [];
        const stored = new Set<string>();
        // Each file goes up as soon as it is complete, once: on the engine, while the rest is still written.
        const store = (name: string, sha256?: string): void => {
          if (stored.has(name)) return;
          stored.add(name);
          const upload = storage.putFile(output(name), join(dir, name), contentTypeOf(name), sha256);
          // Awaited below; until then a failure must not count as unhandled.
          upload.catch(() => undefined);
          uploads.push(upload);
        };
        const storeFiles: FilesWritten = (sha256) => Object.entries(sha256).forEach(([name, digest]) => store(name, digest));
        try {
          const engine = await withDataErrors(() => onEngine(snapshot, spec, dir, storeFiles));
          const { transform, rows, testRowsFile } = engine ?? (await rowByRow(snapshot, spec, ingest, dir));
          for (const split of SPLIT_NAMES) Object.values(splitFileNames(split)).forEach((name) => store(name));
          const transformRef = output('transform.json');
          uploads.push(storage.putJson(transformRef, transform));
          store(testRowsFile);
          await Promise.all(uploads);
          const splits = {} as FeatureManifest['splits'];
          for (const name of SPLIT_NAMES) {
            const files = splitFileNames(name);
            splits[name] = { features: output(files.features), labels: output(files.labels), rows: rows[name] };
          }
          return { transform: transformRef, splits, testRows: output(testRowsFile), width: featureWidth(transform), rowEncoding: categorySlots(transform) };
        } finally {
          // The scratch folder goes once no upload still reads from it.
          await Promise.allSettled(uploads);
        }
      });
      return completeStep(storage, {
        step: 'feature',
        cacheKey: key,
        cached: false,
        contentHash: key,
        finishedAt: new Date().toISOString(),
        ...outputs,
      });
    },
  };
}

/** What a stored output is, by its name's ending. */
function contentTypeOf(name: string): string | undefined {
  if (name.endsWith('.parquet')) return 'application/vnd.apache.parquet';
  if (name.endsWith('.jsonl')) return 'application/x-ndjson';
  return undefined;
}

/** The step on the columnar engine, for Parquet snapshots of clean data of plain types; undefined otherwise. */
async function onEngine(snapshot: string, spec: PipelineSpec, dir: string, onFilesWritten: FilesWritten): Promise<EngineFeatures | undefined> {
  // Versions ingested before snapshots were Parquet are JSON Lines: the file's extension says which.
  if (detectFormat(snapshot) !== 'parquet') return undefined;
  return withEngine(async (engine) => featureOnEngine(engine, snapshot, await snapshotColumns(engine, snapshot), spec, dir, onFilesWritten), { ...STEP_ENGINE, spillDirectory: dir });
}

/** The step row by row, in three passes (split, fit, transform): for what the engine leaves, and the errors that name a row and value. */
async function rowByRow(snapshot: string, spec: PipelineSpec, ingest: IngestManifest, dir: string): Promise<EngineFeatures> {
  const labelled = () => labelledRows(snapshot, spec.label);
  const recorder = await withDataErrors(() => recordSplit(labelled(), spec.split));
  if (recorder.rows === 0) throw ApplicationFailure.nonRetryable(`No row of dataset ${ingest.datasetVersion} has a label "${spec.label.column}".`, FAILURE_TYPES.DataValidationError);
  const codes = await withDataErrors(() => recorder.result());
  const transform = await withDataErrors(() => fitOnTraining(labelled(), codes, spec));
  const rows = await withDataErrors(() => writeSplits(labelled(), codes, transform, dir));
  return { transform, rows, testRowsFile: TEST_ROWS_FILE };
}

/** The snapshot's rows that have a label, read afresh on each call (one pass each). */
async function* labelledRows(snapshot: string, label: LabelSpec): AsyncGenerator<TableRow> {
  for await (const row of readRows(snapshot, detectFormat(snapshot))) if (labelOf(label, row) !== undefined) yield row;
}

/** Pass 1: what the split needs of each labelled row. The split itself waits for result(), after every row is read. */
async function recordSplit(rows: AsyncIterable<TableRow>, split: PipelineSpec['split']): Promise<SplitRecorder> {
  const recorder = new SplitRecorder(split);
  for await (const row of rows) recorder.add(row);
  return recorder;
}

/** Pass 2: the transform, fitted on the training rows only. */
async function fitOnTraining(rows: AsyncIterable<TableRow>, codes: Uint8Array, spec: PipelineSpec): Promise<FeatureTransform> {
  const fitter = new TransformFitter(spec);
  let index = 0;
  for await (const row of rows) if (codes[index++] === SPLIT_CODES.train) fitter.add(row);
  return fitter.result();
}

/** Pass 3: each labelled row transformed into its split's files in `dir` (see {@link SplitFiles}). Returns the rows per split. */
async function writeSplits(rows: AsyncIterable<TableRow>, codes: Uint8Array, transform: FeatureTransform, dir: string): Promise<Record<SplitName, number>> {
  const files = await SplitFiles.create(dir, categorySlots(transform));
  try {
    // Transformed split by split, a bad value in a validation row was met before any in a test row: keep that order.
    let testFailure: { error: unknown } | undefined;
    let index = 0;
    for await (const row of rows) {
      const split = splitNameOf(codes[index++] ?? Number.NaN);
      if (split === 'test' && testFailure) continue;
      const transformed = attemptTransform(transform, row);
      if ('error' in transformed) {
        if (split !== 'test') throw transformed.error;
        testFailure = transformed;
      } else {
        await files.add(split, row, transformed);
      }
    }
    if (testFailure) throw testFailure.error;
    await files.finish();
    return files.rows();
  } finally {
    await files.close();
  }
}

function attemptTransform(transform: FeatureTransform, row: TableRow): TransformedRow | { error: unknown } {
  try {
    return applyTransform(transform, row);
  } catch (error) {
    return { error };
  }
}

/** Runs one pass, turning the data's faults into non-retryable failures. */
async function withDataErrors<T>(pass: () => T | Promise<T>): Promise<T> {
  try {
    return await pass();
  } catch (error) {
    throw dataError(error);
  }
}

/** Bad values in the data are the data's fault: no retry fixes them. */
function dataError(error: unknown): unknown {
  if (error instanceof SplitError || error instanceof FeatureFitError || error instanceof FeatureValueError) return ApplicationFailure.nonRetryable(error.message, FAILURE_TYPES.DataValidationError);
  return error;
}

/** TableRow-major float32 features and labels for one split. */
export function toMatrix(transform: FeatureTransform, rows: readonly TableRow[], width: number): { features: Float32Array; labels: Float32Array } {
  const features = new Float32Array(rows.length * width);
  const labels = new Float32Array(rows.length);
  rows.forEach((row, index) => {
    const transformed = applyTransform(transform, row);
    features.set(transformed.features, index * width);
    labels[index] = transformed.label ?? Number.NaN;
  });
  return { features, labels };
}
