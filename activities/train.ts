import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { CacheOptions, FeatureManifest, ObjectRef, TrainManifest, TrainProgress } from '../contracts/pipeline-run.js';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import { HEARTBEAT_EVERY_MS } from '../contracts/heartbeats.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { cacheKey } from '../infra/artifacts.js';
import type { Checkpoint, TrainSpec } from '../model/index.js';
import { trainingCurve } from '../model/curves.js';
import { deserializeCheckpoint, InvalidTrainingDataError, InvalidTrainSpecError, serializeCheckpoint, trainInThread } from '../model/index.js';
import type { ActivityDependencies } from './dependencies.js';
import { denseSplitsProblem, loadSplit } from './matrices.js';
import { completeStep, reuseCached } from './step-cache.js';
import { stepKeys } from '../storage/layout.js';

/** Bump when training the same inputs would give a different model. */
// train-2: regression labels standardised for training, the binary output bias started at the positive rate's log-odds.
const TRAIN_CODE_VERSION = 'train-2';

export interface TrainInput {
  spec: PipelineSpec;
  feature: FeatureManifest;
  cache?: CacheOptions;
}

/** The model part of a spec, as the trainer reads it, for a training split of `trainRows` rows. */
export function trainSpecOf(spec: PipelineSpec, trainRows: number): TrainSpec {
  const { epochs, batchSize = defaultBatchSize(trainRows), learningRate, earlyStopPatience, seed } = spec.training;
  const network = spec.network.kind === 'mlp' ? { kind: 'mlp' as const, hidden: spec.network.hidden, dropout: spec.network.dropout } : { kind: 'linear' as const };
  return { task: spec.label.kind, network, epochs, batchSize, learningRate, earlyStopPatience, seed };
}

/** Steps an epoch of a small split takes at least, when the spec names no batch size. */
const MIN_STEPS_PER_EPOCH = 32;
const [SMALLEST_DEFAULT_BATCH, LARGEST_DEFAULT_BATCH] = [32, 512];

/** 512 rows a step, or the largest power of two that still gives an epoch 32 steps; never under 32. */
export function defaultBatchSize(trainRows: number): number {
  const fitting = 2 ** Math.floor(Math.log2(Math.max(trainRows / MIN_STEPS_PER_EPOCH, 1)));
  return Math.min(LARGEST_DEFAULT_BATCH, Math.max(SMALLEST_DEFAULT_BATCH, fitting));
}

/**
 * Trains in a worker thread (the event loop stays free for heartbeats and cancellation),
 * heartbeats epoch and losses, checkpoints to MinIO after every epoch, and when Temporal
 * retries it (a crashed worker, say) resumes from the last checkpoint of this run.
 */
export function createTrainActivities({ storage }: ActivityDependencies) {
  return {
    async train({ spec, feature, cache }: TrainInput): Promise<TrainManifest> {
      const trainSpec = trainSpecOf(spec, feature.splits.train.rows);
      const key = cacheKey('train', TRAIN_CODE_VERSION, trainSpec, { features: feature.contentHash });
      const cached = await reuseCached<TrainManifest>(storage, 'train', key, cache);
      if (cached) return cached;

      const context = Context.current();
      // Per workflow run: a retry resumes, a new run with caching off starts afresh.
      const checkpointRef = stepKeys.checkpoint(key, context.info.workflowExecution?.workflowId ?? 'standalone');
      const resumeFrom = await loadCheckpoint(storage, checkpointRef);
      const tooLarge = denseSplitsProblem(feature, feature.splits.validation.rows > 0 ? ['train', 'validation'] : ['train']);
      if (tooLarge !== undefined) throw ApplicationFailure.nonRetryable(`training cannot start: ${tooLarge}`, FAILURE_TYPES.PipelineSpecError);
      const data = { train: await loadSplit(storage, feature, 'train'), validation: feature.splits.validation.rows > 0 ? await loadSplit(storage, feature, 'validation') : undefined };

      // What the Web UI shows under the pending train activity's heartbeat details, and `ctrain watch` reads.
      let progress: TrainProgress = { epoch: resumeFrom?.epoch ?? 0, maxEpochs: trainSpec.epochs, resumedFromEpoch: resumeFrom?.epoch };
      const beat = setInterval(() => context.heartbeat(progress), HEARTBEAT_EVERY_MS);
      // The checkpoint write in flight, awaited before a cancelled run removes the checkpoint.
      let writing: Promise<void> = Promise.resolve();
      try {
        const result = await trainInThread({
          data,
          spec: trainSpec,
          resumeFrom,
          signal: context.cancellationSignal,
          onEpoch: async ({ checkpoint, epoch, loss, valLoss }) => {
            // A cancelled run removes its checkpoint: no epoch may write one after that.
            if (context.cancellationSignal.aborted) return;
            writing = storage.putBuffer(checkpointRef, serializeCheckpoint(checkpoint)).then(() => undefined);
            await writing;
            progress = { epoch, maxEpochs: trainSpec.epochs, loss, valLoss, resumedFromEpoch: resumeFrom?.epoch };
            context.heartbeat(progress);
          },
        });
        const modelArtifact = stepKeys.output('train', key, 'model.bin');
        await storage.putBuffer(modelArtifact, Buffer.from(result.networkBytes));
        const last = result.history.at(-1);
        return completeStep(storage, {
          step: 'train',
          cacheKey: key,
          cached: false,
          contentHash: key,
          finishedAt: new Date().toISOString(),
          modelArtifact,
          backend: result.backend.name,
          backendDetail: { name: result.backend.name, detail: result.backend.detail, skipped: result.backend.skipped, measured: result.backend.measured },
          batchSize: trainSpec.batchSize,
          epochsRun: result.epochs,
          bestEpoch: result.bestEpoch,
          resumedFromEpoch: resumeFrom?.epoch,
          loss: last?.loss ?? Number.NaN,
          valLoss: last?.valLoss ?? Number.NaN,
          history: trainingCurve(result.history, result.bestEpoch),
        });
      } catch (error) {
        // A run cancelled by a person leaves no half-done training behind: its checkpoint goes with it.
        // A worker shutting down or timing out keeps it, so the retry resumes from there.
        if (context.cancellationSignal.aborted && context.cancellationDetails?.cancelRequested) {
          await writing.catch(() => undefined);
          await storage.remove(checkpointRef);
          throw new CancelledFailure(`training cancelled at epoch ${String(progress.epoch)}; checkpoint removed`);
        }
        if (error instanceof InvalidTrainSpecError || error instanceof InvalidTrainingDataError) throw ApplicationFailure.nonRetryable(error.message, FAILURE_TYPES.PipelineSpecError);
        throw error;
      } finally {
        clearInterval(beat);
      }
    },
  };
}

async function loadCheckpoint(storage: ActivityDependencies['storage'], ref: ObjectRef): Promise<Checkpoint | undefined> {
  const bytes = await storage.findBuffer(ref);
  return bytes === undefined ? undefined : deserializeCheckpoint(bytes);
}
