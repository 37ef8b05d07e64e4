import { Client, Connection } from '@temporalio/client';
import type { ActivityDependencies } from '../activities/index.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import type { ServiceConfig } from '../infra/config.js';
import { datasetRemote, Dvc } from '../infra/dvc.js';
import { createStorage } from '../infra/storage.js';
import { provisionTool } from '../stack/provision.js';

/** The real clients every worker hands its activities: MinIO, DVC with MinIO as its remote, and Temporal (for Schedules). */
export async function createDependencies(config: ServiceConfig, taskQueue: string = TASK_QUEUES.general): Promise<ActivityDependencies> {
  const connection = await Connection.connect({ address: config.temporal.address });
  return {
    storage: createStorage(config.minio),
    dvc: new Dvc(await provisionTool('dvc'), datasetRemote(config.minio)),
    temporal: { client: new Client({ connection, namespace: config.temporal.namespace }), taskQueue },
  };
}
