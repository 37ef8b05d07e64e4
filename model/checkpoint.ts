import { createHash } from 'node:crypto';
import type { EncodedWeights } from './artifact.js';
import { ModelFormatError } from './errors.js';
import { pack, unpack } from './pack.js';
import type { EpochLog, TrainData, TrainSpec } from './types.js';

/** The best epoch so far by the monitored loss, with the weights it ended with. */
export interface BestSoFar {
  epoch: number;
  /** The monitored loss: validation loss, or training loss without a validation split. */
  loss: number;
  weights: EncodedWeights;
}

/**
 * Everything needed to continue training after epoch `epoch` exactly as if it had not
 * stopped. Plain data (no tensors), so it can cross threads and be stored as bytes.
 */
export interface Checkpoint {
  /** Identifies the spec and data shape it was written for; resuming with others is refused. */
  fingerprint: string;
  /** Epochs completed. */
  epoch: number;
  /** The network's topology and current weights, as written by exportNetwork. */
  networkBytes: Uint8Array;
  /** Adam's iteration count and first and second moments, from optimizer.getWeights(). */
  optimizer: EncodedWeights;
  best: BestSoFar | null;
  /** Epochs since the best one (early stopping's counter). */
  wait: number;
  /** True once early stopping has fired; resuming then only restores the best weights. */
  stopped: boolean;
  history: EpochLog[];
  /**
   * The backend the run chose, with the step times it measured: a resumed run goes on on the same
   * one where it can, as the unbroken run would have (absent in checkpoints written before).
   */
  backend?: { name: string; measured: { name: string; msPerStep: number }[] };
}

const CHECKPOINT_KIND = 'checkpoint/1';

type Header = Omit<Checkpoint, 'networkBytes' | 'optimizer' | 'best'> & {
  optimizerSpecs: EncodedWeights['specs'];
  best: (Omit<BestSoFar, 'weights'> & { specs: EncodedWeights['specs'] }) | null;
};

/** Writes a checkpoint as one buffer (JSON header, then model, optimizer and best-weight blobs). */
export function serializeCheckpoint(checkpoint: Checkpoint): Buffer {
  const { networkBytes, optimizer, best, ...rest } = checkpoint;
  const header: Header = {
    ...rest,
    optimizerSpecs: optimizer.specs,
    best: best && { epoch: best.epoch, loss: best.loss, specs: best.weights.specs },
  };
  // The network's blob keeps the name it has in checkpoints already written.
  const blobs: Record<string, Uint8Array> = { model: networkBytes, optimizer: optimizer.data };
  if (best) blobs.best = best.weights.data;
  return pack(CHECKPOINT_KIND, header, blobs);
}

/** Reads a buffer written by {@link serializeCheckpoint}. */
export function deserializeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { header, blobs } = unpack<Header>(CHECKPOINT_KIND, bytes);
  const { optimizerSpecs, best, ...rest } = header;
  return {
    ...rest,
    networkBytes: blob(blobs, 'model'),
    optimizer: { specs: optimizerSpecs, data: blob(blobs, 'optimizer') },
    best: best && { epoch: best.epoch, loss: best.loss, weights: { specs: best.specs, data: blob(blobs, 'best') } },
  };
}

/**
 * What a checkpoint must agree with to be resumed from. `epochs` is left out on purpose:
 * the path through epochs 1..k does not depend on the maximum, so a run may be extended.
 */
export function checkpointFingerprint(spec: TrainSpec, data: TrainData): string {
  const identity = {
    task: spec.task,
    network: spec.network.kind === 'mlp' ? { kind: 'mlp', hidden: spec.network.hidden, dropout: spec.network.dropout } : { kind: 'linear' },
    batchSize: spec.batchSize,
    learningRate: spec.learningRate,
    // 0 and undefined both turn early stopping off.
    earlyStopPatience: spec.earlyStopPatience || 0,
    minDelta: spec.minDelta ?? 0,
    seed: spec.seed,
    train: [data.train.rows, data.train.width],
    validation: data.validation ? [data.validation.rows, data.validation.width] : null,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

function blob(blobs: Record<string, Uint8Array>, name: string): Uint8Array {
  const found = blobs[name];
  if (!found) throw new ModelFormatError(`ctrain checkpoint has no '${name}' blob`);
  return found;
}
