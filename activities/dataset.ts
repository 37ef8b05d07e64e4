import { join } from 'node:path';
import type { IngestManifest } from '../contracts/pipeline-run.js';
import type { ActivityDependencies } from './dependencies.js';

/**
 * A dataset version as a local file under `dir`, read the way DVC reads it: its `.dvc` file
 * (kept in MinIO by ingest) in a clean workspace, then `dvc pull`, which fetches the bytes from
 * the remote and checks their md5. DVC, not ctrain, knows where a version lives in the remote.
 */
export async function pullDatasetVersion({ storage, dvc }: Pick<ActivityDependencies, 'storage' | 'dvc'>, ingest: Pick<IngestManifest, 'dvcFile'>, dir: string): Promise<string> {
  return dvc.pullVersion(join(dir, 'dataset'), 'dataset.dvc', await storage.getBuffer(ingest.dvcFile));
}
