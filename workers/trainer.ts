import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { ActivityDependencies } from '../activities/index.js';
import { createTrainActivities } from '../activities/train.js';
import { HEARTBEAT_THROTTLE } from '../contracts/heartbeats.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import { dataConverterFromEnv } from '../infra/temporal-connection.js';
import type { Tracing } from '../infra/tracing.js';
import { tracingFromEnv, WORKER_SERVICE_NAME } from '../infra/tracing.js';
import { stepTelemetry } from './step-telemetry.js';

export interface TrainerWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDependencies;
  /** Payload codecs (encryption). Default: those the environment configures ({@link dataConverterFromEnv}). */
  dataConverter?: DataConverter;
  /** OpenTelemetry tracing. Default: what the environment configures ({@link tracingFromEnv}); none when it configures none. */
  tracing?: Tracing;
  /** Defaults to the trainer task queue; tests pass a unique one. */
  taskQueue?: string;
}

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
 * alone, {@link trainerSlots} trainings at a time (one by default: one per GPU).
 */
export async function createTrainerWorker({ connection, namespace, deps, dataConverter, tracing, taskQueue = TASK_QUEUES.train }: TrainerWorkerOptions): Promise<Worker> {
  const traced = tracing ?? (await tracingFromEnv(process.env, WORKER_SERVICE_NAME));
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    dataConverter: dataConverter ?? dataConverterFromEnv().dataConverter,
    activities: createTrainActivities(deps),
    maxConcurrentActivityTaskExecutions: trainerSlots(),
    interceptors: { activity: [...(traced ? [traced.activityInterceptor] : []), stepTelemetry] },
    ...HEARTBEAT_THROTTLE,
  });
}
