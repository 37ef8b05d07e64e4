import { createBatchScoreActivities } from './batch-score.js';
import type { ActivityDependencies } from './dependencies.js';
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

export type { ActivityDependencies } from './dependencies.js';

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
