import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestManifest } from '../contracts/pipeline-run.js';
import type { DvcVersion } from '../infra/dvc.js';
import { DvcError, dvcFileText, parseDvcFile } from '../infra/dvc.js';
import type { ObjectStore } from '../storage/gateway.js';
import { datasetKeys } from '../storage/layout.js';
import { datasetVersionChecked, keepDatasetVersion, takeKeptDatasetVersion } from './dataset-cache.js';

/**
 * Dataset versions in DVC's own layout, written and read without a DVC process (each costs a
 * Python start-up, longer than the data steps themselves): the bytes at DVC 3's address in the
 * remote (`files/md5/<2>/<30>`), and the `.dvc` file `dvc add` would write, kept in MinIO. DVC
 * pulls, checks and checks out these versions as its own, and ctrain reads the ones DVC pushed.
 */

/** Bytes read at a time to hash a file: with the default 64 KiB, the reads' round trips took as long as the md5 of a 14 MB snapshot. */
const HASHED_READ_BYTES = 1024 * 1024;

/** The md5 and size of a local file, as DVC 3 addresses it. */
export async function dvcVersionOf(path: string, name: string): Promise<DvcVersion> {
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: HASHED_READ_BYTES })) md5.update(chunk as Buffer);
  return { md5: md5.digest('hex'), size: (await stat(path)).size, path: name };
}

/**
 * Stores the file at `path` as `version` of `pipeline`: its bytes first, then the `.dvc` file that
 * makes it a version. `bytesStored`: whether the remote holds these bytes, when the caller has
 * just asked; without it, the remote is asked here.
 */
export async function storeDatasetVersion(storage: ObjectStore, pipeline: string, path: string, version: DvcVersion, { bytesStored }: { bytesStored?: boolean } = {}): Promise<void> {
  const remoteObject = datasetKeys.dvcRemoteObject(version.md5);
  // The remote is addressed by md5: bytes another pipeline already stored are not sent again, as `dvc push` skips them.
  if (!(bytesStored ?? (await storage.stat(remoteObject))?.size === version.size)) await storage.putFile(remoteObject, path);
  await storage.putBuffer(datasetKeys.dvcFile(pipeline, version.md5), Buffer.from(dvcFileText(version)), 'text/yaml');
  await keepDatasetVersion(path, version.md5);
}

/**
 * A dataset version as a local file under `dir`, read as `dvc pull` reads it: the output its
 * `.dvc` file records, from this machine's cache or else fetched from the remote, and checked
 * against the md5 and size recorded.
 */
export async function pullDatasetVersion(storage: ObjectStore, ingest: Pick<IngestManifest, 'dvcFile'>, dir: string): Promise<string> {
  const version = parseDvcFile((await storage.getBuffer(ingest.dvcFile)).toString('utf8'), ingest.dvcFile.key);
  // The .dvc file comes from storage: its output must stay inside the folder.
  if (!/^[\w.-]+$/.test(version.path) || version.path === '..' || version.path === '.') throw new DvcError(`${ingest.dvcFile.key} records the output ${JSON.stringify(version.path)}, which is not a plain file name`);
  const folder = join(dir, 'dataset');
  await mkdir(folder, { recursive: true });
  const path = join(folder, version.path);
  // The copy this machine keeps, if it is still the version (a damaged one is dropped for the remote's).
  const taken = await takeKeptDatasetVersion(version.md5, version.size, path);
  if (taken === 'verified') return path;
  if (taken === 'unverified') {
    const kept = await dvcVersionOf(path, version.path);
    if (kept.md5 === version.md5 && kept.size === version.size) {
      await datasetVersionChecked(version.md5, path);
      return path;
    }
    await rm(path, { force: true });
  }
  await storage.download(datasetKeys.dvcRemoteObject(version.md5), path);
  const pulled = await dvcVersionOf(path, version.path);
  if (pulled.md5 !== version.md5 || pulled.size !== version.size) {
    throw new DvcError(`dataset version ${version.md5} is corrupt in the remote: its ${pulled.size} bytes have md5 ${pulled.md5}, where ${ingest.dvcFile.key} records ${version.size} bytes with md5 ${version.md5}`);
  }
  await keepDatasetVersion(path, version.md5);
  return path;
}
