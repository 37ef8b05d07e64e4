import type { Client as TemporalClient } from '@temporalio/client';
import type { ObjectStore } from '../storage/gateway.js';
import type { Dvc } from '../infra/dvc.js';
import type { SourcePolicy } from './source-policy.js';

/** The clients activities need, built by the worker (real services) or by tests (test instances). */
export interface ActivityDependencies {
  storage: ObjectStore;
  dvc: Dvc;
  /** A Temporal client, and the general task queue, for activities that manage Schedules. */
  temporal?: { client: TemporalClient; taskQueue: string };
  /** Key of the keyed hash that replaces a spec's personal columns at ingest (privacy/pseudonym.ts). */
  pseudonymKey?: Buffer;
  /** The sources ingest and batch scoring may read; default: from the environment (sourcePolicyFromEnv). */
  sources?: SourcePolicy;
}
