import type { ActivityDependencies } from '../activities/index.js';
import type { ServiceConfig } from '../infra/config.js';
import { datasetRemote, Dvc } from '../infra/dvc.js';
import { createStorage } from '../infra/storage.js';
import { provisionTool } from '../stack/provision.js';

/** The real clients every worker hands its activities: MinIO, and DVC with MinIO as its remote. */
export async function createDependencies(config: ServiceConfig): Promise<ActivityDependencies> {
  return {
    storage: createStorage(config.minio),
    dvc: new Dvc(await provisionTool('dvc'), datasetRemote(config.minio)),
  };
}
