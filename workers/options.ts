import type { DataConverter } from '@temporalio/common';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import type { ActivityDependencies } from '../activities/index.js';
import { HEARTBEAT_THROTTLE } from '../contracts/heartbeats.js';
import { dataConverterFromEnv } from '../infra/temporal-connection.js';
import type { Tracing } from '../infra/tracing.js';
import { tracingFromEnv, WORKER_SERVICE_NAME } from '../infra/tracing.js';
import { stepTelemetry } from './step-telemetry.js';

/** What a ctrain worker (general or trainer) is made from. */
export interface CtrainWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDependencies;
  /** Payload codecs (encryption). Default: those the environment configures ({@link dataConverterFromEnv}). */
  dataConverter?: DataConverter;
  /** OpenTelemetry tracing. Default: what the environment configures ({@link tracingFromEnv}); none when it configures none. */
  tracing?: Tracing;
  /** Defaults to the worker's own task queue; tests pass a unique one. */
  taskQueue?: string;
}

/**
 * The Worker.create options every ctrain worker shares, so both wire codecs, tracing, step
 * telemetry and the heartbeat throttle alike; with the tracing in use, for workflow sinks.
 */
export async function sharedWorkerOptions(
  { connection, namespace, dataConverter, tracing, taskQueue }: CtrainWorkerOptions,
  defaultTaskQueue: string,
): Promise<{ traced: Tracing | undefined; options: Pick<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'dataConverter' | 'interceptors' | keyof typeof HEARTBEAT_THROTTLE> }> {
  const traced = tracing ?? (await tracingFromEnv(process.env, WORKER_SERVICE_NAME));
  return {
    traced,
    options: {
      connection,
      namespace,
      taskQueue: taskQueue ?? defaultTaskQueue,
      dataConverter: dataConverter ?? dataConverterFromEnv().dataConverter,
      // Outermost first: the step's own log line falls inside its span and carries its trace id.
      interceptors: { activity: [...(traced ? [traced.activityInterceptor] : []), stepTelemetry] },
      ...HEARTBEAT_THROTTLE,
    },
  };
}
