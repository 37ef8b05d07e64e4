import { Worker } from '@temporalio/worker';
import { createTrainActivities } from '../activities/train.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import type { CtrainWorkerOptions } from './options.js';
import { sharedWorkerOptions } from './options.js';

/** Environment variable: how many trainings one trainer worker runs at once; default 1. */
export const TRAINER_SLOTS_ENV = 'CTRAIN_TRAINER_SLOTS';

/**
 * Concurrent training activities for this worker, from `CTRAIN_TRAINER_SLOTS` (default 1).
 * One per GPU: two trainings on one GPU compete for its memory (each tfjs backend holds its
 * weights, optimizer state and batches there) and for its queue, so neither gets faster and
 * both may run out of memory; on a CPU the one training already uses every core. Raise it only
 * for small models on a large GPU, or to one per GPU when a worker drives several.
 * @throws Error naming the variable when it is not a positive integer.
 */
export function trainerSlots(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[TRAINER_SLOTS_ENV]?.trim();
  if (!raw) return 1;
  const slots = Number(raw);
  if (!Number.isInteger(slots) || slots < 1) throw new Error(`${TRAINER_SLOTS_ENV} must be a positive integer, got '${raw}'`);
  return slots;
}

/**
 * The trainer worker serves only the training task queue, so a GPU machine can run training
 * alone, {@link trainerSlots} trainings at a time (one by default: one per GPU). By default on the
 * training task queue.
 */
export async function createTrainerWorker(worker: CtrainWorkerOptions): Promise<Worker> {
  const { options } = await sharedWorkerOptions(worker, TASK_QUEUES.train);
  return Worker.create({
    ...options,
    activities: createTrainActivities(worker.deps),
    maxConcurrentActivityTaskExecutions: trainerSlots(),
  });
}
