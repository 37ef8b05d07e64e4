import { fileURLToPath } from 'node:url';
import type { NativeConnection } from '@temporalio/worker';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { ActivityDependencies } from '../activities/index.js';
import { createActivities } from '../activities/index.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import { dataConverterFromEnv } from '../infra/temporal-connection.js';

const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundles the workflow code once per process; every worker in the process shares it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

export interface GeneralWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDependencies;
  /** Payload codecs (encryption). Default: those the environment configures ({@link dataConverterFromEnv}). */
  dataConverter?: DataConverter;
  /** Defaults to the general task queue; tests pass a unique one. */
  taskQueue?: string;
}

/** The general (CPU) worker: every workflow and the activities that do not need the trainer. */
export async function createGeneralWorker({ connection, namespace, deps, dataConverter, taskQueue = TASK_QUEUES.general }: GeneralWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    dataConverter: dataConverter ?? dataConverterFromEnv().dataConverter,
    workflowBundle: await workflowBundle(),
    activities: createActivities(deps),
  });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};
