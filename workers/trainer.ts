import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { ActivityDependencies } from '../activities/index.js';
import { createTrainActivities } from '../activities/train.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import { dataConverterFromEnv } from '../infra/temporal-connection.js';
import type { Tracing } from '../infra/tracing.js';
import { tracingFromEnv, WORKER_SERVICE_NAME } from '../infra/tracing.js';
import { HEARTBEAT_THROTTLE } from './heartbeats.js';
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

/**
 * The trainer worker serves only the training task queue, so a GPU machine can run training
 * alone. One training at a time: the trainer already uses every core it has.
 */
export async function createTrainerWorker({ connection, namespace, deps, dataConverter, tracing, taskQueue = TASK_QUEUES.train }: TrainerWorkerOptions): Promise<Worker> {
  const traced = tracing ?? (await tracingFromEnv(process.env, WORKER_SERVICE_NAME));
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    dataConverter: dataConverter ?? dataConverterFromEnv().dataConverter,
    activities: createTrainActivities(deps),
    maxConcurrentActivityTaskExecutions: 1,
    interceptors: { activity: [...(traced ? [traced.activityInterceptor] : []), stepTelemetry] },
    ...HEARTBEAT_THROTTLE,
  });
}
