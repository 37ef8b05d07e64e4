import { log } from '@temporalio/activity';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { ensureModelSchedules } from '../infra/schedules.js';
import type { ActivityDependencies } from './dependencies.js';

export function createScheduleActivities({ temporal }: ActivityDependencies) {
  return {
    /** Keeps the model's drift-check (and periodic retrain) Schedules in line with its spec. */
    async ensureSchedules({ spec }: { spec: PipelineSpec }): Promise<string[]> {
      if (!temporal) {
        log.warn(`no Temporal client on this worker: schedules of ${spec.name} not managed`);
        return [];
      }
      return ensureModelSchedules(temporal.client, spec, temporal.taskQueue);
    },
  };
}
