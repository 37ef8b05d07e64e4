import { createWriteStream } from 'node:fs';
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { IngestManifest } from '../contracts/pipeline-run.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { BUCKETS } from '../contracts/stack.js';
import { artifactKeys, putBuffer } from '../infra/artifacts.js';
import { DVC_REMOTE_PREFIX } from '../infra/dvc.js';
import { pseudonymizeRow } from '../privacy/pseudonym.js';
import { readRows, TabularReadError } from '../tabular/read.js';
import type { ActivityDependencies } from './index.js';
import { localSourceFile } from './source.js';

const HEARTBEAT_EVERY_ROWS = 50_000;

export interface IngestInput {
  spec: PipelineSpec;
}

/**
 * Streams the source into a JSON Lines snapshot, versions it with DVC (`dvc add`, `dvc push` to
 * the MinIO remote) and keeps the `.dvc` file in MinIO. The same rows give the same version,
 * and DVC stores them once.
 */
export function createIngestActivities({ storage, dvc, pseudonymKey }: ActivityDependencies) {
  return {
    async ingest({ spec }: IngestInput): Promise<IngestManifest> {
      const personal = personalData(spec, pseudonymKey);
      const workspace = await mkdtemp(join(tmpdir(), `ctrain-ingest-${spec.name}-`));
      try {
        const source = await localSourceFile(spec.source.uri, join(workspace, 'source.download'), storage);
        await access(source).catch(() => {
          throw ApplicationFailure.nonRetryable(`Source file ${source} (from ${spec.source.uri}) does not exist.`, 'SourceNotFound');
        });
        const snapshotName = `${spec.name}.jsonl`;
        const { rows, bytes } = await writeSnapshot(source, spec, join(workspace, snapshotName), personal);
        if (rows === 0) throw ApplicationFailure.nonRetryable(await noRows(source, spec), 'EmptyDataset');

        await dvc.init(workspace);
        const version = await dvc.add(workspace, snapshotName);
        await dvc.push(workspace);
        const dvcFile = artifactKeys.dvcFile(spec.name, version.md5);
        await putBuffer(storage, dvcFile, await readFile(join(workspace, `${snapshotName}.dvc`)), 'text/yaml');
        return {
          step: 'ingest',
          cacheKey: version.md5,
          cached: false,
          contentHash: version.md5,
          finishedAt: new Date().toISOString(),
          datasetVersion: version.md5,
          snapshot: { bucket: BUCKETS.datasets, key: `${DVC_REMOTE_PREFIX}/files/md5/${version.md5.slice(0, 2)}/${version.md5.slice(2)}` },
          dvcFile,
          rows,
          bytes,
        };
      } finally {
        await rm(workspace, { recursive: true, force: true });
      }
    },
  };
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
  if (!key) throw ApplicationFailure.nonRetryable(`${spec.name} marks ${columns.join(', ')} as personal data, and this worker has no pseudonym key to hash them with: set CTRAIN_PSEUDONYM_KEY (or CTRAIN_PSEUDONYM_KEY_FILE) on the workers and the model server.`, 'PipelineSpecError');
  return { columns, key };
}

async function writeSnapshot(source: string, spec: PipelineSpec, target: string, personal: { columns: string[]; key: Buffer } | undefined): Promise<{ rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  async function* lines(): AsyncGenerator<string> {
    for await (const row of readRows(source, spec.source.format, { limit: spec.source.limit })) {
      // Personal values never reach the snapshot, the reports or the model: only their pseudonyms do.
      const line = `${JSON.stringify(personal ? pseudonymizeRow(row, personal.columns, personal.key) : row)}\n`;
      bytes += Buffer.byteLength(line);
      if (++rows % HEARTBEAT_EVERY_ROWS === 0) Context.current().heartbeat({ rows });
      yield line;
    }
  }
  try {
    // pipeline handles backpressure, and errors and closing on both sides.
    await pipeline(Readable.from(lines()), createWriteStream(target));
  } catch (error) {
    // The reader names the file it read, which for http and s3 is a scratch copy: name the source.
    if (error instanceof TabularReadError) throw ApplicationFailure.nonRetryable(`${spec.source.uri}: ${error.message}`, 'UnreadableSource');
    throw error;
  }
  return { rows, bytes };
}
