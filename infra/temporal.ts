import type { LogLevel } from '@temporalio/worker';
import { Runtime } from '@temporalio/worker';
import type pino from 'pino';
import { createWorkerLog, logLevelFromEnv, pinoTemporalLogger, workerMetricsAddressFromEnv, workerTelemetryOptions } from './worker-telemetry.js';

/** What the process's Temporal runtime was installed with. */
export interface WorkerRuntime {
  /** The pino logger every SDK, Core, workflow and activity log line goes through. */
  log: pino.Logger;
  /** host:port of the Prometheus endpoint (GET /metrics), when CTRAIN_WORKER_METRICS_PORT asked for one. */
  metricsAddress?: string;
}

let installed: WorkerRuntime | undefined;

/** Expected on a trainer worker, which serves activities only: not worth a warning. */
const EXPECTED = /^No workflows registered/;

/**
 * Installs the Temporal runtime once per process (later calls return the first one): JSON logs
 * through pino on stdout at `level` (default CTRAIN_LOG_LEVEL, else WARN), Core's own logs
 * forwarded there too, and the Prometheus endpoint of CTRAIN_WORKER_METRICS_PORT, if set.
 */
export function installWorkerRuntime(level?: LogLevel, env: NodeJS.ProcessEnv = process.env): WorkerRuntime {
  if (installed) return installed;
  const chosen = level ?? logLevelFromEnv(env) ?? 'WARN';
  const metricsAddress = workerMetricsAddressFromEnv(env);
  const log = createWorkerLog(chosen);
  try {
    Runtime.install({ logger: pinoTemporalLogger(log, (message) => EXPECTED.test(message)), telemetryOptions: workerTelemetryOptions(chosen, metricsAddress) });
  } catch (error) {
    if (!metricsAddress) throw error;
    throw new Error(`the worker metrics endpoint could not listen on ${metricsAddress} (CTRAIN_WORKER_METRICS_PORT, CTRAIN_WORKER_METRICS_HOST): ${(error as Error).message}`, { cause: error });
  }
  installed = { log, metricsAddress };
  return installed;
}
