import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import { workflowSpanSinks } from '../infra/tracing.js';
import type { CtrainWorkerOptions } from './options.js';
import { sharedWorkerOptions } from './options.js';
import { workflowBundle } from './workflow-bundle.js';

/** The general (CPU) worker: every workflow and the activities that do not need the trainer; by default on the general task queue. */
export async function createGeneralWorker(worker: CtrainWorkerOptions): Promise<Worker> {
  const { traced, options } = await sharedWorkerOptions(worker, TASK_QUEUES.general);
  return Worker.create({
    ...options,
    workflowBundle: await workflowBundle(),
    activities: createActivities(worker.deps),
    sinks: workflowSpanSinks(traced),
  });
}
