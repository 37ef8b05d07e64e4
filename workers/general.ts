import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { ActivityDependencies } from '../activities/index.js';
import { createActivities } from '../activities/index.js';
import { HEARTBEAT_THROTTLE } from '../contracts/heartbeats.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import { dataConverterFromEnv } from '../infra/temporal-connection.js';
import type { Tracing } from '../infra/tracing.js';
import { tracingFromEnv, WORKER_SERVICE_NAME, workflowSpanSinks } from '../infra/tracing.js';
import { stepTelemetry } from './step-telemetry.js';
import { workflowBundle } from './workflow-bundle.js';

export { workflowBundle };

export interface GeneralWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDependencies;
  /** Payload codecs (encryption). Default: those the environment configures ({@link dataConverterFromEnv}). */
  dataConverter?: DataConverter;
  /** OpenTelemetry tracing. Default: what the environment configures ({@link tracingFromEnv}); none when it configures none. */
  tracing?: Tracing;
  /** Defaults to the general task queue; tests pass a unique one. */
  taskQueue?: string;
}

/** The general (CPU) worker: every workflow and the activities that do not need the trainer. */
export async function createGeneralWorker({ connection, namespace, deps, dataConverter, tracing, taskQueue = TASK_QUEUES.general }: GeneralWorkerOptions): Promise<Worker> {
  const traced = tracing ?? (await tracingFromEnv(process.env, WORKER_SERVICE_NAME));
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    dataConverter: dataConverter ?? dataConverterFromEnv().dataConverter,
    workflowBundle: await workflowBundle(),
    activities: createActivities(deps),
    // Outermost first: the step's own log line falls inside its span and carries its trace id.
    interceptors: { activity: [...(traced ? [traced.activityInterceptor] : []), stepTelemetry] },
    sinks: workflowSpanSinks(traced),
    ...HEARTBEAT_THROTTLE,
  });
}
