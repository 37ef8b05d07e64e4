import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { DataWindow, IngestManifest } from '../contracts/pipeline-run.js';
import type { DvcVersion } from '../infra/dvc.js';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { withEngine } from '../tabular/engine.js';
import { TabularReadError } from '../tabular/errors.js';
import { NotUtf8Error } from '../tabular/utf8.js';
import { SNAPSHOT_ENGINE, writeSnapshot } from '../tabular/snapshot.js';
import type { ActivityDependencies } from './dependencies.js';
import { dvcVersionOf, storeDatasetVersion } from './dataset.js';
import { keepDatasetVersion } from './dataset-cache.js';
import { localSourceFiles } from './source.js';
import { sourcePolicyFromEnv } from './source-policy.js';
import { mergeSourceFiles } from '../tabular/merge-sources.js';
import { writeTimeWindow } from '../tabular/time-window.js';
import { parseDuration } from '../contracts/duration.js';
import { withScratch } from './step-cache.js';
import { datasetKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/gateway.js';

export interface IngestInput {
  spec: PipelineSpec;
}

/**
 * Writes the source as a Parquet snapshot (the columnar engine reads it) and stores it as a DVC
 * version: its bytes in the DVC remote in MinIO, its `.dvc` file beside (activities/dataset.ts).
 * The same rows give the same version, and the remote holds them once.
 */
export function createIngestActivities({ storage, pseudonymKey, sources = sourcePolicyFromEnv() }: ActivityDependencies) {
  return {
    async ingest({ spec }: IngestInput): Promise<IngestManifest> {
      const personal = personalData(spec, pseudonymKey);
      const workspace = await mkdtemp(join(tmpdir(), `ctrain-ingest-${spec.name}-`));
      try {
        const { files, objects } = await localSourceFiles(spec.source.uri, workspace, storage, sources);
        for (const file of files) {
          await access(file).catch(() => {
            throw ApplicationFailure.nonRetryable(`Source file ${file} (from ${spec.source.uri}) does not exist.`, FAILURE_TYPES.SourceNotFound);
          });
        }
        const snapshot = join(workspace, `${spec.name}.parquet`);
        const { rows, version, window, source } = await writeSourceSnapshot(files, objects, spec, snapshot, personal, workspace);
        const { md5, size: bytes } = version;
        if (rows === 0) throw ApplicationFailure.nonRetryable(window ? noRowsInWindow(spec, window) : await noRows(source, spec), FAILURE_TYPES.EmptyDataset);

        const manifest = (datasetVersion: string, reusedVersion: boolean): IngestManifest => ({
          step: 'ingest',
          cacheKey: datasetVersion,
          cached: false,
          contentHash: datasetVersion,
          finishedAt: new Date().toISOString(),
          datasetVersion,
          snapshot: datasetKeys.dvcRemoteObject(datasetVersion),
          dvcFile: datasetKeys.dvcFile(spec.name, datasetVersion),
          rows,
          bytes,
          reusedVersion,
          sourceObjects: objects,
          ...(window ? { window } : {}),
        });
        // DVC 3 addresses a file by the md5 of its bytes: bytes already versioned for this pipeline are that version again.
        const stored = await storedVersion(storage, spec.name, md5, bytes);
        if (stored.bytes && stored.dvcFile) {
          await keepDatasetVersion(snapshot, md5);
          return manifest(md5, true);
        }
        await storeDatasetVersion(storage, spec.name, snapshot, version, { bytesStored: stored.bytes });
        return manifest(md5, false);
      } finally {
        await rm(workspace, { recursive: true, force: true });
      }
    },
  };
}

/** Whether the remote holds exactly these bytes (same md5 and size), and whether their `.dvc` file is kept for this pipeline: both asked at once. */
async function storedVersion(storage: ObjectStore, pipeline: string, md5: string, bytes: number): Promise<{ bytes: boolean; dvcFile: boolean }> {
  const [remote, dvcFile] = await Promise.all([storage.stat(datasetKeys.dvcRemoteObject(md5)), storage.stat(datasetKeys.dvcFile(pipeline, md5))]);
  return { bytes: remote?.size === bytes, dvcFile: dvcFile !== undefined };
}

/** Why a source gave no rows, in words a person can act on. */
async function noRows(source: string, spec: PipelineSpec): Promise<string> {
  if ((await stat(source)).size === 0) return `Source ${spec.source.uri} has no rows: it is an empty file (0 bytes).`;
  return `Source ${spec.source.uri} has no rows${spec.source.format === 'csv' ? ': it holds a header line only' : ''}.`;
}

/**
 * The spec's personal columns and the key that hashes them. A spec that marks personal data on a
 * worker without a key fails at once: its snapshot would otherwise hold the values in clear.
 */
function personalData(spec: PipelineSpec, key: Buffer | undefined): { columns: string[]; key: Buffer } | undefined {
  const columns = spec.personal ?? [];
  if (columns.length === 0) return undefined;
  if (!key) throw ApplicationFailure.nonRetryable(`${spec.name} marks ${columns.join(', ')} as personal data, and this worker has no pseudonym key to hash them with: set CTRAIN_PSEUDONYM_KEY (or CTRAIN_PSEUDONYM_KEY_FILE) on the workers and the model server.`, FAILURE_TYPES.PipelineSpecError);
  return { columns, key };
}

/**
 * The source as a Parquet snapshot at `target` (the engine's, personal columns hashed), with
 * DVC's md5 of its bytes: the objects of a `*` source merged first, and the spec's time window
 * taken last, so the version holds exactly the rows the run trains on.
 */
async function writeSourceSnapshot(
  files: readonly string[],
  objects: readonly string[],
  spec: PipelineSpec,
  target: string,
  personal: { columns: string[]; key: Buffer } | undefined,
  workspace: string,
): Promise<{ rows: number; version: DvcVersion; window?: DataWindow; source: string }> {
  const window = spec.source.window;
  try {
    const result = await withScratch('snapshot', (scratch) =>
      withEngine(
        async (engine) => {
          const source = files.length === 1 ? files[0]! : join(workspace, `merged.${spec.source.format}`);
          const { delimiter } = spec.source;
          if (files.length > 1) await mergeSourceFiles(engine, files, spec.source.format, source, objects, spec.source.encoding, delimiter);
          const whole = window ? join(workspace, 'source.parquet') : target;
          // Merged objects are already UTF-8, each decoded from its own encoding.
          const encoding = files.length === 1 ? spec.source.encoding : undefined;
          const { rows } = await writeSnapshot(engine, { path: source, format: spec.source.format, limit: spec.source.limit, personal, encoding, delimiter }, whole, scratch);
          if (!window) return { rows, source };
          const taken = await writeTimeWindow(engine, whole, target, { ...window, lastMs: parseDuration(window.last) }, new Date());
          return { rows: taken.rows, window: taken, source };
        },
        { ...SNAPSHOT_ENGINE, spillDirectory: scratch },
      ),
    );
    return { ...result, version: await dvcVersionOf(target, basename(target)) };
  } catch (error) {
    // The reader names the file it read, which for http and s3 is a scratch copy: name the source.
    if (error instanceof TabularReadError) throw ApplicationFailure.nonRetryable(`${spec.source.uri}: ${error.message}${encodingHint(error, spec)}`, FAILURE_TYPES.UnreadableSource);
    throw error;
  }
}

/** Text that is not UTF-8 is often a legacy export the spec can name, rather than re-export; the offset finds the byte in a hex viewer. */
function encodingHint(error: TabularReadError, spec: PipelineSpec): string {
  if (!(error instanceof NotUtf8Error)) return '';
  const at = `; the first byte that is not UTF-8 is at byte offset ${error.offset} of the file`;
  if (spec.source.encoding !== undefined) return at;
  return `, or name its encoding in the spec's source.encoding (e.g. 'windows-1252' for a Windows or Excel export, 'iso-8859-1' for Latin-1)${at}`;
}

function noRowsInWindow(spec: PipelineSpec, window: DataWindow): string {
  return `Source ${spec.source.uri} has no rows in the window: none of its ${window.sourceRows} rows has ${window.column} after ${window.since} (the last ${window.last} before ${window.from === 'now' ? 'now' : 'its newest row'}, ${window.until}).`;
}
