import type { Client as TemporalClient } from '@temporalio/client';
import type { Dvc } from '../infra/dvc.js';
import { createBatchScoreActivities } from './batch-score.js';
import { createDeployActivities } from './deploy.js';
import { createDriftCheckActivities } from './drift-check.js';
import { createEvaluateActivities } from './evaluate.js';
import { createFeatureActivities } from './feature.js';
import { withHeartbeats } from './heartbeat.js';
import { createIngestActivities } from './ingest.js';
import { createRegistryActivities } from './registry.js';
import { createReportActivities } from './report.js';
import { createRunRecordActivities } from './run-record.js';
import { createScheduleActivities } from './schedules.js';
import { createTrainActivities } from './train.js';
import { createValidateActivities } from './validate.js';
import { createStackCheckActivities } from './stack-check.js';
import type { ObjectStore } from '../storage/gateway.js';

/** The clients activities need, built by the worker (real services) or by tests (test instances). */
export interface ActivityDependencies {
  storage: ObjectStore;
  dvc: Dvc;
  /** A Temporal client, and the general task queue, for activities that manage Schedules. */
  temporal?: { client: TemporalClient; taskQueue: string };
  /** Key of the keyed hash that replaces a spec's personal columns at ingest (privacy/pseudonym.ts). */
  pseudonymKey?: Buffer;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createStackCheckActivities(deps),
    ...createRunRecordActivities(deps),
    ...withHeartbeats(createIngestActivities(deps)),
    ...withHeartbeats(createValidateActivities(deps)),
    ...withHeartbeats(createFeatureActivities(deps)),
    ...createTrainActivities(deps),
    ...withHeartbeats(createEvaluateActivities(deps)),
    ...withHeartbeats(createReportActivities(deps)),
    ...createRegistryActivities(deps),
    ...withHeartbeats(createDeployActivities(deps)),
    ...withHeartbeats(createDriftCheckActivities(deps)),
    ...createScheduleActivities(deps),
    ...withHeartbeats(createBatchScoreActivities(deps)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
