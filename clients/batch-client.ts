import type { Client, WorkflowHandle } from '@temporalio/client';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { BatchProgress, BatchScoreInput, BatchScoreResult } from '../contracts/batch-score.js';
import { batchProgressQuery, batchScoreWorkflowId } from '../contracts/batch-score.js';
import { batchScoreScheduleId } from '../contracts/schedules.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import type { batchScoreWorkflow } from '../workflows/batch-score.js';

export interface BatchClientOptions {
  /** Task queue of the general workers; tests pass a unique one. */
  taskQueue?: string;
  /** Id of an earlier batch score to resume (or to follow, while it runs): its plan and scored chunks are reused. Default: a new `<model>.score.<time>`. */
  workflowId?: string;
}

/** Starts a batch score, or attaches to the one already running under `workflowId`. */
export async function startBatchScore(client: Client, input: BatchScoreInput, options: BatchClientOptions = {}): Promise<WorkflowHandle<typeof batchScoreWorkflow>> {
  return client.workflow.start<typeof batchScoreWorkflow>('batchScoreWorkflow', {
    workflowId: options.workflowId ?? batchScoreWorkflowId(input.modelName, new Date().toISOString()),
    taskQueue: options.taskQueue ?? TASK_QUEUES.general,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    searchAttributes: { ModelName: [input.modelName] },
  });
}

/** Waits for a batch score's result, calling `onProgress` with its progress every `pollMs` meanwhile. */
export async function waitForBatchScore(handle: WorkflowHandle<typeof batchScoreWorkflow>, onProgress?: (progress: BatchProgress) => void, pollMs = 1_000): Promise<BatchScoreResult> {
  const result = handle.result();
  if (!onProgress) return result;
  let finished = false;
  void result.then(
    () => (finished = true),
    () => (finished = true),
  );
  while (!finished) {
    await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, pollMs))]);
    if (finished) break;
    // A query can miss while a worker picks the workflow up; the next poll asks again.
    const progress = await handle.query(batchProgressQuery).catch(() => undefined);
    if (progress) onProgress(progress);
  }
  return result;
}

/**
 * Creates or updates the model's batch-score Schedule: a batch score of `input` on each time of
 * the cron expression (the server's time zone is UTC), skipped while the previous one still runs.
 * Each run's id is `<model>.score-<time>`, so its outputs land under a prefix of their own.
 */
export async function scheduleBatchScore(client: Client, input: BatchScoreInput, { cron, taskQueue }: { cron: string; taskQueue?: string }): Promise<string> {
  const id = batchScoreScheduleId(input.modelName);
  const action = { type: 'startWorkflow' as const, workflowType: 'batchScoreWorkflow', taskQueue: taskQueue ?? TASK_QUEUES.general, args: [input], workflowId: `${input.modelName}.score`, searchAttributes: { ModelName: [input.modelName] } };
  const schedule = { spec: { cronExpressions: [cron] }, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } };
  try {
    await client.schedule.getHandle(id).update((previous) => ({ ...previous, ...schedule }));
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
    await client.schedule.create({ scheduleId: id, ...schedule, memo: { model: input.modelName } });
  }
  return id;
}
