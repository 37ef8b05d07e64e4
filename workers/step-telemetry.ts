/**
 * ctrain's own worker metrics and log fields, from an activity interceptor: every step's outcome
 * and duration by model, the epochs training ran, and each drift check's verdict. They go out
 * through the Temporal runtime's meter, so the worker's one Prometheus endpoint carries them
 * beside Core's `temporal_*` metrics (nothing is recorded when that endpoint is off).
 */
import type { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { MetricMeter } from '@temporalio/common';
import type { ActivityInterceptors } from '@temporalio/worker';
import { Runtime } from '@temporalio/worker';
import type { DriftCheckResult } from '../contracts/drift-check.js';
import { nameProblem } from '../contracts/names.js';
import type { TrainManifest } from '../contracts/pipeline-run.js';

/** How one attempt of a step ended: `cached` is a completion that reused the step cache. */
export type StepOutcome = 'completed' | 'cached' | 'failed' | 'cancelled';

/** Every metric this module exports, by name (the Prometheus rules may use only these and the servers'). */
export const WORKER_METRICS = {
  steps: 'ctrain_steps_total',
  stepDuration: 'ctrain_step_duration_seconds',
  epochs: 'ctrain_training_epochs_total',
  driftChecks: 'ctrain_drift_checks_total',
  driftLastCheck: 'ctrain_drift_last_check_timestamp_seconds',
  driftLastDetected: 'ctrain_drift_last_detected_timestamp_seconds',
  driftedFeatures: 'ctrain_drift_drifted_features',
} as const;

export type WorkerInstruments = ReturnType<typeof createWorkerInstruments>;

/**
 * The instruments on `meter`. Drift is told by two timestamps so that several workers agree: the
 * newest check (of any worker) found drift when the newest detection is at least as new as it.
 */
export function createWorkerInstruments(meter: MetricMeter) {
  return {
    steps: meter.createCounter(WORKER_METRICS.steps, undefined, 'Step (activity) attempts by step, model and outcome (completed, cached, failed, cancelled)'),
    stepDuration: meter.createHistogram(WORKER_METRICS.stepDuration, 'float', 's', 'Duration of one step attempt, in seconds, by step, model and outcome'),
    epochs: meter.createCounter(WORKER_METRICS.epochs, undefined, 'Training epochs run (resumed epochs are not counted again), by model'),
    driftChecks: meter.createCounter(WORKER_METRICS.driftChecks, undefined, 'Drift checks by model, verdict (drift, no-drift, insufficient-data, no-model) and live-performance verdict (none when not judged)'),
    driftLastCheck: meter.createGauge(WORKER_METRICS.driftLastCheck, 'float', 's', 'End of the window of the last drift check this worker ran, Unix seconds, by model'),
    driftLastDetected: meter.createGauge(WORKER_METRICS.driftLastDetected, 'float', 's', 'End of the window of the last drift check this worker ran that found drift, Unix seconds, by model and kind (features: inputs or scores; performance: the live metric; outcome: a window of outcomes moved)'),
    driftedFeatures: meter.createGauge(WORKER_METRICS.driftedFeatures, 'int', undefined, 'Features over the PSI threshold in the last drift check this worker ran, by model'),
  };
}

let instruments: WorkerInstruments | undefined;
// Read at the first step, never at import: the process installs its runtime before creating workers.
const metrics = (): WorkerInstruments => (instruments ??= createWorkerInstruments(Runtime.instance().metricMeter));

/** Activity interceptors for every ctrain worker: metrics, a log line per step attempt, and `runId` on activity log lines. */
export function stepTelemetry(ctx: Context): ActivityInterceptors {
  return {
    inbound: {
      async execute(input, next) {
        const step = ctx.info.activityType;
        const modelName = modelOf(input.args[0]);
        const started = performance.now();
        const finish = (outcome: StepOutcome, error?: unknown): void => {
          const seconds = (performance.now() - started) / 1000;
          const tags = { step, model: modelName, outcome, task_queue: ctx.info.taskQueue };
          metrics().steps.add(1, tags);
          metrics().stepDuration.record(seconds, tags);
          // The SDK's own "Activity failed" warning carries the error's stack; this line, one per attempt, its outcome.
          const fields = { step, model: modelName, outcome, durationMs: Math.round(seconds * 1000), ...(error === undefined ? {} : { error: error instanceof Error ? error.message : JSON.stringify(error) }) };
          ctx.log.info(`${step} ${outcome === 'failed' ? 'failed after' : `${outcome} in`} ${seconds.toFixed(3)} s`, fields);
        };
        let result: unknown;
        try {
          result = await next(input);
        } catch (error) {
          finish(error instanceof CancelledFailure || ctx.cancellationSignal.aborted ? 'cancelled' : 'failed', error);
          throw error;
        }
        finish(isCached(result) ? 'cached' : 'completed');
        if (step === 'train') recordTraining(metrics(), modelName, result as TrainManifest);
        if (step === 'checkDrift') recordDriftCheck(metrics(), result as DriftCheckResult);
        return result;
      },
    },
    outbound: {
      // Workflow log lines name the run `runId`; activity lines get the same field, and no task token (it could complete the task).
      getLogAttributes(input, next) {
        const attributes = { ...next(input) };
        delete attributes.taskToken;
        return ctx.info.workflowExecution ? { ...attributes, runId: ctx.info.workflowExecution.runId } : attributes;
      },
    },
  };
}

/** The model a step works for, from its single-object input: `modelName`, `spec.name`, `registry.modelName` or `pipeline`; '' when none is a valid name. */
export function modelOf(input: unknown): string {
  const record = (value: unknown): Record<string, unknown> | undefined => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined);
  const args = record(input);
  const candidate = args?.modelName ?? record(args?.spec)?.name ?? record(args?.registry)?.modelName ?? args?.pipeline;
  return typeof candidate === 'string' && nameProblem(candidate) === undefined ? candidate : '';
}

function isCached(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { cached?: unknown }).cached === true;
}

/** Counts the epochs a training attempt ran itself (not those it resumed past); a cached result ran none. */
export function recordTraining(into: WorkerInstruments, modelName: string, manifest: TrainManifest): void {
  if (manifest.cached) return;
  const epochs = manifest.epochsRun - (manifest.resumedFromEpoch ?? 0);
  if (epochs > 0) into.epochs.add(epochs, { model: modelName });
}

/** Counts a drift check and, at the end of its window, stamps the check and, when it found drift, the detection by kind. */
export function recordDriftCheck(into: WorkerInstruments, result: DriftCheckResult): void {
  const modelName = modelOf(result);
  const at = Date.parse(result.until) / 1000;
  into.driftChecks.add(1, { model: modelName, verdict: result.verdict, performance: result.performance?.verdict ?? 'none' });
  into.driftedFeatures.set(result.driftedFeatures.length, { model: modelName });
  if (result.verdict === 'drift') into.driftLastDetected.set(at, { model: modelName, kind: 'features' });
  if (result.performance?.verdict === 'drift') into.driftLastDetected.set(at, { model: modelName, kind: 'performance' });
  if (result.outcome?.verdict === 'drift') into.driftLastDetected.set(at, { model: modelName, kind: 'outcome' });
  into.driftLastCheck.set(at, { model: modelName });
}
