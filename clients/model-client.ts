import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { Registry, RetrainRequest, RunRecord } from '../contracts/model.js';
import { modelWorkflowId, publishedRegistryQuery, registryQuery, requestRunUpdate } from '../contracts/model.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import type { modelWorkflow } from '../workflows/model.js';

export interface ModelClientOptions {
  /** Task queue of the general workers; tests pass a unique one. */
  taskQueue?: string;
  trainTaskQueue?: string;
}

const FINAL: RunRecord['status'][] = ['registered', 'not-blessed', 'rolled-back', 'rejected', 'cancelled', 'failed'];

/**
 * Asks the model workflow for a training run, starting the workflow if it is not running
 * (update-with-start, so no request is lost). Answers with the run's workflow id.
 */
export async function requestRun(client: Client, modelName: string, request: RetrainRequest, options: ModelClientOptions = {}): Promise<{ runId: string; folded: boolean }> {
  const start = new WithStartWorkflowOperation<typeof modelWorkflow>('modelWorkflow', {
    workflowId: modelWorkflowId(modelName),
    taskQueue: options.taskQueue ?? TASK_QUEUES.general,
    args: [{ modelName, trainTaskQueue: options.trainTaskQueue }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    searchAttributes: { ModelName: [modelName] },
  });
  return client.workflow.executeUpdateWithStart(requestRunUpdate, { args: [request], startWorkflowOperation: start });
}

export async function readRegistry(client: Client, modelName: string): Promise<Registry> {
  return client.workflow.getHandle(modelWorkflowId(modelName)).query(registryQuery);
}

/**
 * Waits until the model workflow has finished with a run (registered, not blessed, rejected or
 * failed) and its outcome is in MinIO, so the model server can already serve what it registered.
 */
export async function waitForRun(client: Client, modelName: string, runId: string, pollMs = 500): Promise<{ run: RunRecord; registry: Registry }> {
  for (;;) {
    const registry = await client.workflow.getHandle(modelWorkflowId(modelName)).query(publishedRegistryQuery);
    const run = registry.runs.find((candidate) => candidate.runId === runId);
    if (run && FINAL.includes(run.status)) return { run, registry };
    await sleep(pollMs);
  }
}
