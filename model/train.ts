import * as tf from '@tensorflow/tfjs';
import type { BackendName } from './backend.js';
import type { MeasuredChoice } from './backend-trial.js';
import { selectBackendByTrial } from './backend-trial.js';
import type { Checkpoint } from './checkpoint.js';
import { checkpointFingerprint } from './checkpoint.js';
import { TrainingDivergedError } from './errors.js';
import type { DenseTrainer } from './dense-trainer.js';
import { foldLabelScale, labelScaleOf, scaleLabels, unscaledLog } from './label-scale.js';
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
  /** Backends to measure, in order (CTRAIN_TF_BACKEND still forces one); default: all of them, best first. */
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
  /** The backend it trained on, chosen by measured step times of this model. */
  backend: MeasuredChoice;
}

export interface TrainResult extends TrainSummary {
  /** The trained network with the best epoch's weights; ready for predict and exportNetwork. */
  layersModel: tf.LayersModel;
}

/**
 * Trains one epoch at a time on the best backend present, checkpointing through `onEpoch`,
 * stopping early on the monitored loss, and ending with the best epoch's weights.
 */
export async function trainNetwork({ data: given, spec, resumeFrom, onEpoch, backends }: TrainOptions): Promise<TrainResult> {
  validateSpec(spec);
  validateData(given, spec);
  // The network trains on standardised regression labels; losses are reported, and the model answers, in the label's units.
  const scale = labelScaleOf(spec.task, given.train);
  const data = scaleLabels(given, scale);
  const backend = await selectBackendByTrial((_name, giveUpAboveMs) => timeTrainingStep(spec, data.train, giveUpAboveMs), backends, process.env, resumeFrom?.backend);
  const fingerprint = checkpointFingerprint(spec, data);
  const session = resumeFrom ? await TrainingSession.resume(resumeFrom, spec, fingerprint) : TrainingSession.fresh(spec, data.train.width, scale);
  try {
    while (!session.finished(spec)) {
      const log = unscaledLog(runEpoch(session.trainer, spec, session.epoch + 1, data.train, data.validation), scale);
      session.record(log, spec);
      const checkpoint = { ...(await session.checkpoint(fingerprint)), backend: { name: backend.name, measured: backend.measured } };
      await onEpoch?.({ ...log, checkpoint });
    }
    session.restoreBest();
    foldLabelScale(session.layersModel, scale);
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

/** A trial warms up for at least this long (V8 tiers wasm up meanwhile), then times steps for as long again twice. */
const TRIAL_WARMUP_MS = 100;

/**
 * Milliseconds a training step of this spec's network takes on the active backend: a throwaway
 * network of the same shape on one batch of the training rows, warmed up (at least two steps: the
 * first compiles a GPU's shaders) for {@link TRIAL_WARMUP_MS}, then timed for twice that, each
 * loss read back so the time includes what a GPU queued. A backend whose second step already
 * exceeds `giveUpAboveMs` cannot win: that step's time is its answer.
 */
async function timeTrainingStep(spec: TrainSpec, train: DataSplit, giveUpAboveMs: number): Promise<number> {
  const rows = Math.min(spec.batchSize, train.rows);
  const session = TrainingSession.fresh(spec, train.width);
  const x = tf.tensor2d(train.features.subarray(0, rows * train.width), [rows, train.width]);
  const y = tf.tensor2d(train.labels.subarray(0, rows), [rows, 1]);
  let index = 0;
  const stepsFor = async (minSteps: number, ms: number): Promise<{ steps: number; ms: number; gaveUp: boolean }> => {
    const started = performance.now();
    let steps = 0;
    let stepStarted = started;
    do {
      const loss = session.trainer.step(x, y, 1, index++);
      await loss.data();
      loss.dispose();
      steps++;
      const now = performance.now();
      if (steps === 2 && now - stepStarted > giveUpAboveMs) return { steps, ms: now - stepStarted, gaveUp: true };
      stepStarted = now;
    } while (steps < 1000 && (steps < minSteps || performance.now() - started < ms));
    return { steps, ms: performance.now() - started, gaveUp: false };
  };
  try {
    const warmUp = await stepsFor(2, TRIAL_WARMUP_MS);
    if (warmUp.gaveUp) return warmUp.ms;
    const timed = await stepsFor(1, 2 * TRIAL_WARMUP_MS);
    return timed.ms / timed.steps;
  } finally {
    tf.dispose([x, y]);
    session.disposeTrainingState();
    session.layersModel.dispose();
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
