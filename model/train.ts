import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendName } from './backend.js';
import { selectBackend } from './backend.js';
import type { Checkpoint } from './checkpoint.js';
import { checkpointFingerprint } from './checkpoint.js';
import { TrainingDivergedError } from './errors.js';
import { startDropoutEpoch } from './seeded-dropout.js';
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

interface SplitTensors {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
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
  const train = toTensors(data.train);
  const validation = data.validation && toTensors(data.validation);
  try {
    while (!session.finished(spec)) {
      const log = await runEpoch(session.layersModel, spec, session.epoch + 1, train, validation);
      session.record(log, spec);
      await onEpoch?.({ ...log, checkpoint: await session.checkpoint(fingerprint) });
    }
    session.restoreBest();
    return {
      layersModel: session.layersModel,
      epochs: session.epoch,
      bestEpoch: session.best?.epoch ?? 0,
      bestLoss: session.best?.loss ?? Number.NaN,
      monitor: validation ? 'valLoss' : 'loss',
      stoppedEarly: session.stopped,
      history: session.history,
      backend,
    };
  } catch (error) {
    session.layersModel.dispose();
    throw error;
  } finally {
    session.disposeTrainingState();
    tf.dispose([train.x, train.y, ...(validation ? [validation.x, validation.y] : [])]);
  }
}

async function runEpoch(layersModel: tf.LayersModel, spec: TrainSpec, epoch: number, train: SplitTensors, validation?: SplitTensors): Promise<EpochLog> {
  const { x, y } = tf.tidy(() => {
    const order = tf.tensor1d(epochPermutation(train.x.shape[0], spec.seed, epoch), 'int32');
    return { x: tf.gather(train.x, order), y: tf.gather(train.y, order) };
  });
  startDropoutEpoch(layersModel, epoch);
  try {
    const history = await layersModel.fit(x, y, {
      epochs: 1,
      batchSize: spec.batchSize,
      // Rows were already put in this epoch's seeded order; tfjs's own shuffle is not seeded.
      shuffle: false,
      verbose: 0,
      validationData: validation && [validation.x, validation.y],
    });
    const loss = scalarOf(history.history.loss?.[0]);
    const valLoss = validation ? scalarOf(history.history.val_loss?.[0]) : null;
    if (!Number.isFinite(loss) || (valLoss !== null && !Number.isFinite(valLoss))) {
      const losses = valLoss === null ? `loss ${loss}` : `loss ${loss}, validation loss ${valLoss}`;
      throw new TrainingDivergedError(`Training diverged at epoch ${epoch} (${losses}); lower the learning rate or check the feature scaling`);
    }
    return { epoch, loss, valLoss };
  } finally {
    tf.dispose([x, y]);
  }
}

function toTensors(split: DataSplit): SplitTensors {
  return {
    x: tf.tensor2d(split.features, [split.rows, split.width]),
    y: tf.tensor2d(split.labels, [split.rows, 1]),
  };
}

function scalarOf(value: number | tf.Tensor | undefined): number {
  if (value === undefined) return Number.NaN;
  return typeof value === 'number' ? value : (value.dataSync()[0] ?? Number.NaN);
}
