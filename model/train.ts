import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendName } from './backend.js';
import { selectBackend } from './backend.js';
import type { Checkpoint } from './checkpoint.js';
import { checkpointFingerprint } from './checkpoint.js';
import { TrainingDivergedError } from './errors.js';
import type { DenseTrainer } from './dense-trainer.js';
import { TrainingSession } from './session.js';
import { epochPermutation } from './shuffle.js';
import type { DataSplit, EpochLog, TrainData, TrainSpec } from './types.js';
import { validateData, validateSpec } from './validate.js';

/** What the caller hears after every epoch; `checkpoint` resumes training right after it. */
export interface EpochReport extends EpochLog {
  checkpoint: Checkpoint;
}

export interface TrainOptions {
  data: TrainData;
  spec: TrainSpec;
  /** Continue after this checkpoint's epoch instead of starting afresh. */
  resumeFrom?: Checkpoint;
  /** Awaited after each epoch, before the next starts; if it throws, training stops with that error. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** Backends to try, in order (CTRAIN_TF_BACKEND still forces one); default: {@link selectBackend}'s order. */
  backends?: readonly BackendName[];
}

/** How a run went, without the model itself (plain data, safe to send between threads). */
export interface TrainSummary {
  /** Epochs completed, including those before a resume. */
  epochs: number;
  /** The epoch whose weights the model ends with. */
  bestEpoch: number;
  /** The monitored loss at that epoch. */
  bestLoss: number;
  /** Which loss early stopping and best-weight selection watched. */
  monitor: 'valLoss' | 'loss';
  stoppedEarly: boolean;
  history: EpochLog[];
  backend: BackendChoice;
}

export interface TrainResult extends TrainSummary {
  /** The trained network with the best epoch's weights; ready for predict and exportNetwork. */
  layersModel: tf.LayersModel;
}

/**
 * Trains one epoch at a time on the best backend present, checkpointing through `onEpoch`,
 * stopping early on the monitored loss, and ending with the best epoch's weights.
 */
export async function trainNetwork({ data, spec, resumeFrom, onEpoch, backends }: TrainOptions): Promise<TrainResult> {
  validateSpec(spec);
  validateData(data, spec);
  const backend = await selectBackend(backends);
  const fingerprint = checkpointFingerprint(spec, data);
  const session = resumeFrom ? await TrainingSession.resume(resumeFrom, spec, fingerprint) : TrainingSession.fresh(spec, data.train.width);
  try {
    while (!session.finished(spec)) {
      const log = runEpoch(session.trainer, spec, session.epoch + 1, data.train, data.validation);
      session.record(log, spec);
      await onEpoch?.({ ...log, checkpoint: await session.checkpoint(fingerprint) });
    }
    session.restoreBest();
    return {
      layersModel: session.layersModel,
      epochs: session.epoch,
      bestEpoch: session.best?.epoch ?? 0,
      bestLoss: session.best?.loss ?? Number.NaN,
      monitor: data.validation ? 'valLoss' : 'loss',
      stoppedEarly: session.stopped,
      history: session.history,
      backend,
    };
  } catch (error) {
    session.layersModel.dispose();
    throw error;
  } finally {
    session.disposeTrainingState();
  }
}

function runEpoch(trainer: DenseTrainer, spec: TrainSpec, epoch: number, train: DataSplit, validation?: DataSplit): EpochLog {
  const { features, labels, rows, width } = train;
  const order = epochPermutation(rows, spec.seed, epoch);
  // Rows are copied as bytes: a Uint8Array's set of a row was twice as fast here as a Float32Array's.
  const featureBytes = new Uint8Array(features.buffer, features.byteOffset, features.byteLength);
  const rowBytes = width * Float32Array.BYTES_PER_ELEMENT;
  let lossSum = tf.scalar(0);
  try {
    for (let batch = 0, start = 0; start < rows; batch++, start += spec.batchSize) {
      const count = Math.min(spec.batchSize, rows - start);
      // Each batch's rows are gathered here rather than sliced from one tensor: the wasm
      // backend's slice copies its whole input first.
      const x = new Float32Array(count * width);
      const xBytes = new Uint8Array(x.buffer);
      const y = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const row = order[start + i]!;
        xBytes.set(featureBytes.subarray(row * rowBytes, (row + 1) * rowBytes), i * rowBytes);
        y[i] = labels[row]!;
      }
      const [xBatch, yBatch] = [tf.tensor2d(x, [count, width]), tf.tensor2d(y, [count, 1])];
      // Not in a tidy: the step replaces the trainer's weights and moments, which must outlive it.
      const batchLoss = trainer.step(xBatch, yBatch, epoch, batch);
      const total = tf.add<tf.Scalar>(lossSum, batchLoss);
      tf.dispose([lossSum, batchLoss, xBatch, yBatch]);
      lossSum = total;
    }
    // The mean over the epoch's rows of each row's loss under the weights of its batch, as fit reports it.
    const loss = (lossSum.dataSync()[0] ?? Number.NaN) / rows;
    const valLoss = validation ? trainer.lossSum(validation) / validation.rows : null;
    if (!Number.isFinite(loss) || (valLoss !== null && !Number.isFinite(valLoss))) {
      const losses = valLoss === null ? `loss ${loss}` : `loss ${loss}, validation loss ${valLoss}`;
      throw new TrainingDivergedError(`Training diverged at epoch ${epoch} (${losses}); lower the learning rate or check the feature scaling`);
    }
    return { epoch, loss, valLoss };
  } finally {
    lossSum.dispose();
  }
}
