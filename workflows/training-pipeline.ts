import { ActivityCancellationType, ActivityFailure, ApplicationFailure, isCancellation, TimeoutFailure, log, patched, proxyActivities, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { HEARTBEAT_TIMEOUT } from '../contracts/heartbeats.js';
import { TimeoutType } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import { STEP_RETRY } from '../contracts/retry.js';
import { modelRefOfFormatTwo } from '../contracts/format-renames.js';
import type { ObjectRef, PipelineRunInput, PipelineRunResult, StepManifest, StepName } from '../contracts/pipeline-run.js';
import { uriOf } from '../contracts/pipeline-run.js';

// Retries outlast a storage outage of a few minutes (attempts every 10 s at most).
const quick = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: STEP_RETRY,
});

// Data steps heartbeat on a timer (activities/heartbeat.ts): a killed worker is noticed within HEARTBEAT_TIMEOUT.
const dataStep = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: STEP_RETRY,
});

// A report is small; when it keeps failing the run goes on without one.
const reporting = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 10 },
});

/** How long the train step waits for a trainer to take it, unless the spec says. */
const TRAINER_START_LIMIT = '30 minutes';

/** The run's failure when no trainer took the train step in time, saying which queue and what to do; undefined for any other error. */
function unstartedTraining(error: unknown, taskQueue: string, startWithin: string): ApplicationFailure | undefined {
  if (!(error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === TimeoutType.SCHEDULE_TO_START)) return undefined;
  return ApplicationFailure.nonRetryable(
    `No trainer worker took the train step from task queue "${taskQueue}" within ${startWithin} (training.startWithin). Start one (npx ctrain worker --role trainer), or correct the spec's training.taskQueue.`,
    FAILURE_TYPES.TrainerUnavailable,
  );
}

/** Runs that write a report and carry their spec and report in the memo (the Web UI shows it). */
const RUN_REPORT_PATCH = 'run-report';

/** ingest → validate → feature → train → evaluate for one pipeline spec, then its report; the model workflow registers and deploys. */
export async function trainingPipelineWorkflow(received: PipelineRunInput): Promise<PipelineRunResult> {
  // An earlier model workflow passed production's network artifact as `model`.
  const input = received.production ? { ...received, production: modelRefOfFormatTwo(received.production) } : received;
  const runId = workflowInfo().workflowId;
  const { spec, specHash } = await quick.resolvePipeline({ pipeline: input.pipeline, overrides: input.overrides });
  const reports = patched(RUN_REPORT_PATCH);
  if (reports) upsertMemo({ pipeline: spec.name, specHash });
  const trainQueue = input.trainTaskQueue ?? spec.training.taskQueue;
  const startWithin = spec.training.startWithin ?? TRAINER_START_LIMIT;
  const trainer = proxyActivities<Activities>({
    taskQueue: trainQueue,
    // A queue no trainer polls would hold the run (and every retraining folded into it) for ever.
    scheduleToStartTimeout: startWithin,
    startToCloseTimeout: '2 hours',
    // Training heartbeats from a free event loop; a dead trainer is noticed within this.
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    // A cancelled run ends once training has stopped and removed its checkpoint, not before.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...STEP_RETRY, maximumAttempts: 20 },
  });
  const resumed = input.resumeOf ? await quick.loadRunSteps({ runId: input.resumeOf }) : {};
  const cache = input.cache ?? {};

  /** Runs one step, or takes it from the run being resumed, and records it for a later resume. */
  async function step<T extends StepManifest>(name: StepName, run: () => Promise<T>): Promise<T> {
    upsertSearchAttributes({ PipelineStep: [name] });
    const earlier = resumed[name] as T | undefined;
    const manifest: T = earlier ? { ...earlier, cached: true, reusedBy: 'resume' } : await run();
    await quick.recordRunStep({ runId, manifest });
    return manifest;
  }

  const ingest = await step('ingest', () => dataStep.ingest({ spec }));
  upsertSearchAttributes({ DatasetVersion: [ingest.datasetVersion] });
  const validate = await step('validate', () => dataStep.validate({ spec, specHash, ingest, cache }));
  const feature = await step('feature', () => dataStep.feature({ spec, ingest, cache }));
  const train = await step('train', () => trainer.train({ spec, feature, cache }).catch((error: unknown) => {
    throw unstartedTraining(error, trainQueue, startWithin) ?? error;
  }));
  const evaluate = await step('evaluate', () => dataStep.evaluate({ spec, feature, train, production: input.production, cache }));
  let report: ObjectRef | undefined;
  if (reports) {
    try {
      report = await reporting.reportRun({ runId, spec, specHash, datasetVersion: ingest.datasetVersion, validate, train, evaluate });
      upsertMemo({ report: uriOf(report) });
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('The run report could not be written; the run goes on without it', { runId, error: String(error) });
    }
  }
  return { runId, pipeline: spec.name, spec, specHash, datasetVersion: ingest.datasetVersion, ingest, validate, feature, train, evaluate, ...(report ? { report } : {}) };
}
