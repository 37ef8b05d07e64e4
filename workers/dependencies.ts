import type { ActivityDependencies } from '../activities/index.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import type { ServiceConfig } from '../infra/config.js';
import { datasetRemote, Dvc } from '../infra/dvc.js';
import type { TemporalOptions } from '../infra/temporal-connection.js';
import { connectClient, temporalOptionsFromEnv } from '../infra/temporal-connection.js';
import { WORKER_SERVICE_NAME } from '../infra/tracing.js';
import { sourcePolicyFromEnv } from '../activities/source-policy.js';
import { pseudonymKeyFromEnv } from '../privacy/pseudonym.js';
import { provisionTool } from '../stack/provision.js';
import { ObjectStore } from '../storage/gateway.js';

/**
 * The real clients every worker hands its activities: MinIO, DVC with MinIO as its remote,
 * Temporal (for Schedules), the latter with `temporal` (default: from the environment, for `config`'s server),
 * the pseudonym key for specs with personal columns (CTRAIN_PSEUDONYM_KEY, if set), and the
 * sources the worker may read (CTRAIN_DATA_ROOTS, CTRAIN_SOURCE_PREFIXES).
 */
export async function createDependencies(config: ServiceConfig, taskQueue: string = TASK_QUEUES.general, temporal?: TemporalOptions): Promise<ActivityDependencies> {
  const client = await connectClient(temporal ?? (await temporalOptionsFromEnv(process.env, config.temporal, WORKER_SERVICE_NAME)));
  return {
    storage: new ObjectStore(config.minio),
    dvc: new Dvc(await provisionTool('dvc'), datasetRemote(config.minio)),
    temporal: { client, taskQueue },
    pseudonymKey: pseudonymKeyFromEnv(),
    sources: sourcePolicyFromEnv(),
  };
}
