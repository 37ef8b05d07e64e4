import type { Client } from 'minio';
import type { Dvc } from '../infra/dvc.js';
import { createDeployActivities } from './deploy.js';
import { createEvaluateActivities } from './evaluate.js';
import { createFeatureActivities } from './feature.js';
import { createIngestActivities } from './ingest.js';
import { createRegistryActivities } from './registry.js';
import { createRunRecordActivities } from './run-record.js';
import { createTrainActivities } from './train.js';
import { createValidateActivities } from './validate.js';
import { createStackCheckActivities } from './stack-check.js';

/** The clients activities need, built by the worker (real services) or by tests (test instances). */
export interface ActivityDependencies {
  storage: Client;
  dvc: Dvc;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createStackCheckActivities(deps),
    ...createRunRecordActivities(deps),
    ...createIngestActivities(deps),
    ...createValidateActivities(deps),
    ...createFeatureActivities(deps),
    ...createTrainActivities(deps),
    ...createEvaluateActivities(deps),
    ...createRegistryActivities(deps),
    ...createDeployActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
