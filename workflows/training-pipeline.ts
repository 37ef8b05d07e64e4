import { ActivityCancellationType, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { PipelineRunInput, PipelineRunResult, StepManifest, StepName } from '../contracts/pipeline-run.js';

/** Errors no retry can fix: bad spec, bad data, bad source. They fail the run at once. */
const NON_RETRYABLE = ['PipelineSpecError', 'DataValidationError', 'SourceNotFound', 'SourceRefused', 'UnreadableSource', 'EmptyDataset', 'ProductionModelMissing'];

// Retries outlast a storage outage of a few minutes (attempts every 10 s at most).
const quick = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { maximumInterval: '10 seconds', maximumAttempts: 30, nonRetryableErrorTypes: NON_RETRYABLE },
});

// Data steps heartbeat every 2 s (activities/heartbeat.ts): a killed worker is noticed in 15 s.
const dataStep = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 30, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** ingest → validate → feature → train → evaluate for one pipeline spec; the model workflow registers and deploys. */
export async function trainingPipelineWorkflow(input: PipelineRunInput): Promise<PipelineRunResult> {
  const runId = workflowInfo().workflowId;
  const { spec, specHash } = await quick.resolvePipeline({ pipeline: input.pipeline, overrides: input.overrides });
  const trainer = proxyActivities<Activities>({
    taskQueue: input.trainTaskQueue ?? spec.training.taskQueue,
    startToCloseTimeout: '2 hours',
    // Training heartbeats every 2 s from a free event loop; a dead trainer is noticed within this.
    heartbeatTimeout: '15 seconds',
    // A cancelled run ends once training has stopped and removed its checkpoint, not before.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
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
  const train = await step('train', () => trainer.train({ spec, feature, cache }));
  const evaluate = await step('evaluate', () => dataStep.evaluate({ spec, feature, train, production: input.production, cache }));
  return { runId, pipeline: spec.name, spec, specHash, datasetVersion: ingest.datasetVersion, ingest, validate, feature, train, evaluate };
}
