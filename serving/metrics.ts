/** Prometheus metrics of one server instance, in its own registry (never prom-client's global one). */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { BulkHistogram } from '../http/bulk-histogram.js';
import { SeriesCounter } from '../http/series-counter.js';
import type { PredictionLogStats } from './prediction-log.js';
import type { ReloadEvent } from './registry-watch.js';
import { SERVED_ALIASES } from './registry-watch.js';

export type ServingMetrics = ReturnType<typeof createServingMetrics>;

/** Label values for a request the server could not route to a version (unknown model, bad body). */
export const UNROUTED = { version: '', alias: '' } as const;

export function createServingMetrics(logStats: () => PredictionLogStats) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ctrain_serving_' });
  // What every request updates is a SeriesCounter or a BulkHistogram: one label lookup each, not prom-client's hashing.
  const metrics = {
    registry,
    requests: new SeriesCounter({
      name: 'ctrain_serving_requests_total',
      help: 'Predict requests by model, answering version and alias, and HTTP status',
      labelNames: ['model', 'version', 'alias', 'status'] as const,
      registers: [registry],
    }),
    latency: new BulkHistogram({
      name: 'ctrain_serving_request_duration_seconds',
      help: 'Predict request latency, receipt to response sent, in seconds',
      labelNames: ['model', 'version', 'alias'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    predictions: new SeriesCounter({
      name: 'ctrain_serving_predictions_total',
      help: 'Rows scored, by model, version and alias',
      labelNames: ['model', 'version', 'alias'] as const,
      registers: [registry],
    }),
    // Buckets suit binary models' probabilities; a regression model's spread is read from the prediction log.
    // Fed a request's scores at once.
    scores: new BulkHistogram({
      name: 'ctrain_serving_prediction_score',
      help: 'Scores returned, by model and version',
      labelNames: ['model', 'version'] as const,
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
      registers: [registry],
    }),
    // How well micro-batching works: 1 everywhere means requests are scored one by one.
    batchRows: new BulkHistogram({
      name: 'ctrain_serving_batch_rows',
      help: 'Rows per call of the network (one micro-batch of concurrent requests), by model',
      labelNames: ['model'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'ctrain_serving_outcomes_total',
      help: 'Outcomes posted back, by model',
      labelNames: ['model'] as const,
      registers: [registry],
    }),
    reloads: new Counter({
      name: 'ctrain_serving_reloads_total',
      help: 'Registry reloads after a change, by model and result (success or failure)',
      labelNames: ['model', 'result'] as const,
      registers: [registry],
    }),
    loadedVersion: new Gauge({
      name: 'ctrain_serving_loaded_version',
      help: 'Version loaded for each served alias; absent when the alias is unset',
      labelNames: ['model', 'alias'] as const,
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'ctrain_serving_log_pending_rows',
    help: 'Prediction log rows buffered or waiting for a retried upload',
    registers: [registry],
    collect() {
      this.set(logStats().pendingRows);
    },
  });
  const logCounter = (name: string, help: string, read: (stats: PredictionLogStats) => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(logStats()));
      },
    });
  };
  logCounter('ctrain_serving_log_rows_written_total', 'Prediction log rows uploaded to MinIO', (s) => s.writtenRows);
  logCounter('ctrain_serving_log_upload_failures_total', 'Prediction log uploads that failed (and were kept for retry)', (s) => s.failedUploads);
  logCounter('ctrain_serving_log_rows_dropped_total', 'Prediction log rows dropped because too many were waiting', (s) => s.droppedRows);
  return metrics;
}

/** Counts a reload and points the loaded-version gauge at what is served now. */
export function recordReload(metrics: ServingMetrics, event: ReloadEvent): void {
  metrics.reloads.inc({ model: event.modelName, result: event.error ? 'failure' : 'success' });
  for (const alias of SERVED_ALIASES) {
    const loaded = event.state?.[alias];
    if (loaded) metrics.loadedVersion.set({ model: event.modelName, alias }, loaded.version);
    else metrics.loadedVersion.remove({ model: event.modelName, alias });
  }
}
