import type { Client } from '@temporalio/client';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { driftScheduleId, retrainScheduleId } from '../contracts/schedules.js';
import type { ScheduledModelInput } from '../contracts/schedules.js';

/**
 * Creates or updates the model's schedules from its spec: the drift check every `drift.check`,
 * and a periodic retraining every `drift.retrainEvery` when set. Idempotent.
 */
export async function ensureModelSchedules(client: Client, spec: PipelineSpec, taskQueue: string): Promise<string[]> {
  const wanted = [{ id: driftScheduleId(spec.name), workflowType: 'driftCheckWorkflow', every: spec.drift.check }];
  if (spec.drift.retrainEvery) wanted.push({ id: retrainScheduleId(spec.name), workflowType: 'scheduledRetrainWorkflow', every: spec.drift.retrainEvery });
  for (const { id, workflowType, every } of wanted) {
    const action = { type: 'startWorkflow' as const, workflowType, taskQueue, args: [{ modelName: spec.name } satisfies ScheduledModelInput], workflowId: `${id}` };
    const schedule = { spec: { intervals: [{ every }] }, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } };
    try {
      await client.schedule.getHandle(id).update((previous) => ({ ...previous, ...schedule }));
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
      await client.schedule.create({ scheduleId: id, ...schedule, memo: { model: spec.name } });
    }
  }
  return wanted.map((schedule) => schedule.id);
}
