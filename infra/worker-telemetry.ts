/**
 * What a worker process tells the outside: JSON logs through pino (the SDK's, Core's and the
 * activities' context logs alike, each with its workflow and activity fields) and the Temporal
 * runtime's Prometheus endpoint, which also carries ctrain's own worker metrics.
 */
import type { LogLevel, LogMetadata, Logger, TelemetryOptions } from '@temporalio/worker';
import { LogTimestamp } from '@temporalio/worker';
import pino from 'pino';

/** Worker log levels by the names CTRAIN_LOG_LEVEL accepts (any case). */
const LEVELS = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' } as const satisfies Record<string, LogLevel>;

/** Default loopback address of the worker metrics endpoint; a container sets CTRAIN_WORKER_METRICS_HOST=0.0.0.0. */
export const DEFAULT_WORKER_METRICS_HOST = '127.0.0.1';

/** A telemetry variable whose value cannot be used; the message names it. */
export class TelemetryConfigError extends Error {
  override name = 'TelemetryConfigError';
}

/** CTRAIN_LOG_LEVEL (trace, debug, info, warn or error); undefined when unset. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel | undefined {
  const raw = env.CTRAIN_LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return undefined;
  if (raw in LEVELS) return LEVELS[raw as keyof typeof LEVELS];
  throw new TelemetryConfigError(`CTRAIN_LOG_LEVEL=${env.CTRAIN_LOG_LEVEL} is not a log level (one of ${Object.keys(LEVELS).join(', ')}).`);
}

/**
 * Where the worker's Prometheus endpoint listens: CTRAIN_WORKER_METRICS_PORT on
 * CTRAIN_WORKER_METRICS_HOST (default {@link DEFAULT_WORKER_METRICS_HOST}), as host:port.
 * Unset, empty or 0: no endpoint (Core cannot report a port it picked, so 0 would be unreachable).
 */
export function workerMetricsAddressFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.CTRAIN_WORKER_METRICS_PORT?.trim();
  if (!raw || raw === '0') return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) throw new TelemetryConfigError(`CTRAIN_WORKER_METRICS_PORT=${raw} is not a valid TCP port (1-65535, or 0 for no metrics endpoint).`);
  const host = env.CTRAIN_WORKER_METRICS_HOST?.trim() || DEFAULT_WORKER_METRICS_HOST;
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Histogram buckets for ctrain's worker histograms (Core's defaults are milliseconds). */
export const WORKER_HISTOGRAM_BUCKETS: Record<string, number[]> = {
  ctrain_step_duration_seconds: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
};

/**
 * Core telemetry for a worker process: its logs forwarded to the runtime logger at `level`
 * (third-party crates at errors only), and Prometheus metrics at `metricsAddress` when given.
 * Counters keep Core's names (no `_total` suffix, as Temporal's dashboards expect); durations are milliseconds.
 */
export function workerTelemetryOptions(level: LogLevel, metricsAddress: string | undefined): TelemetryOptions {
  return {
    logging: { filter: { core: level, other: 'ERROR' }, forward: {} },
    ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress, histogramBucketOverrides: WORKER_HISTOGRAM_BUCKETS } } } : {}),
  };
}

/** A pino logger writing JSON lines to `destination` (default stdout), errors under `error` serialized with their stack. */
export function createWorkerLog(level: LogLevel, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true })): pino.Logger {
  return pino(
    {
      level: level.toLowerCase(),
      base: { pid: process.pid, service: 'ctrain-worker' },
      // Forwarded entries carry the time they happened (Core's are buffered before they arrive).
      timestamp: () => `,"time":${pendingTime ?? Date.now()}`,
      serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
    },
    destination,
  );
}

/** Set only while one entry is written, so the timestamp function reads that entry's time. */
let pendingTime: number | undefined;

/**
 * The Temporal SDK's Logger over pino: the message as `msg`, every meta field (workflowId, runId,
 * activityType, taskQueue, sdkComponent…) as a field of the line, at the entry's own time.
 * Entries for which `skip` is true are dropped.
 */
export function pinoTemporalLogger(log: pino.Logger, skip: (message: string) => boolean = () => false): Logger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const method = level.toLowerCase() as Lowercase<LogLevel>;
    if (!log.isLevelEnabled(method) || skip(message)) return;
    const { [LogTimestamp]: nanos, ...fields } = meta ?? {};
    pendingTime = typeof nanos === 'bigint' ? Number(nanos / 1_000_000n) : undefined;
    try {
      log[method](fields, message);
    } finally {
      pendingTime = undefined;
    }
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
