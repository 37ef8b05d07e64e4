import * as tf from '@tensorflow/tfjs';
import { decodeWeights, encodeWeights, exportNetwork, importNetwork } from './artifact.js';
import type { Checkpoint } from './checkpoint.js';
import { CheckpointMismatchError } from './errors.js';
import { DenseTrainer } from './dense-trainer.js';
import type { LabelScale } from './label-scale.js';
import { initialiseOutputBias } from './label-scale.js';
import { buildNetwork } from './network.js';
import type { EpochLog, TrainSpec } from './types.js';

/**
 * The mutable state of one training run: the model, its trainer (with Adam's state), and early
 * stopping's bookkeeping. It can be written to a {@link Checkpoint} after any epoch and rebuilt from one.
 */
export class TrainingSession {
  /** Epochs completed. */
  epoch = 0;
  wait = 0;
  stopped = false;
  history: EpochLog[] = [];
  best: { epoch: number; loss: number; weights: tf.Tensor[] } | null = null;

  private constructor(
    readonly layersModel: tf.LayersModel,
    readonly trainer: DenseTrainer,
  ) {}

  /** A new network; with `scale`, its output bias starts where the labels are (before the trainer copies the weights). */
  static fresh(spec: TrainSpec, inputWidth: number, scale?: LabelScale): TrainingSession {
    const layersModel = buildNetwork({ network: spec.network, task: spec.task, inputWidth, seed: spec.seed });
    if (scale) initialiseOutputBias(layersModel, scale);
    return new TrainingSession(layersModel, new DenseTrainer(layersModel, spec.task, spec.learningRate));
  }

  static async resume(checkpoint: Checkpoint, spec: TrainSpec, fingerprint: string): Promise<TrainingSession> {
    if (checkpoint.fingerprint !== fingerprint) {
      throw new CheckpointMismatchError(
        `Checkpoint after epoch ${checkpoint.epoch} was written for a different training spec or data shape; refusing to resume from it`,
      );
    }
    const layersModel = await importNetwork(checkpoint.networkBytes);
    const session = new TrainingSession(layersModel, new DenseTrainer(layersModel, spec.task, spec.learningRate));
    const moments = decodeWeights(checkpoint.optimizer);
    // setWeights copies the moments and reads the iteration count.
    session.trainer.setWeights(moments);
    tf.dispose(moments.map(({ tensor }) => tensor));
    session.epoch = checkpoint.epoch;
    session.wait = checkpoint.wait;
    session.stopped = checkpoint.stopped;
    session.history = [...checkpoint.history];
    if (checkpoint.best) {
      const weights = decodeWeights(checkpoint.best.weights).map(({ tensor }) => tensor);
      session.best = { epoch: checkpoint.best.epoch, loss: checkpoint.best.loss, weights };
    }
    return session;
  }

  /** True when no more epochs should run. */
  finished(spec: TrainSpec): boolean {
    return this.stopped || this.epoch >= spec.epochs;
  }

  /** Records a finished epoch and updates early stopping on the monitored loss. */
  record(log: EpochLog, spec: TrainSpec): void {
    const monitored = log.valLoss ?? log.loss;
    this.epoch = log.epoch;
    this.history.push(log);
    if (!this.best || monitored < this.best.loss - (spec.minDelta ?? 0)) {
      tf.dispose(this.best?.weights ?? []);
      this.best = { epoch: log.epoch, loss: monitored, weights: this.layersModel.getWeights().map((w) => w.clone()) };
      this.wait = 0;
      return;
    }
    this.wait += 1;
    if (spec.earlyStopPatience && this.wait >= spec.earlyStopPatience) this.stopped = true;
  }

  async checkpoint(fingerprint: string): Promise<Checkpoint> {
    const optimizerWeights = this.trainer.getWeights();
    const optimizer = await encodeWeights(optimizerWeights);
    tf.dispose(optimizerWeights.map(({ tensor }) => tensor));
    const names = this.layersModel.weights.map((w) => w.originalName);
    const best = this.best && {
      epoch: this.best.epoch,
      loss: this.best.loss,
      weights: await encodeWeights(this.best.weights.map((tensor, i) => ({ name: names[i] ?? `weight_${i}`, tensor }))),
    };
    return {
      fingerprint,
      epoch: this.epoch,
      networkBytes: new Uint8Array(await exportNetwork(this.layersModel)),
      optimizer,
      best,
      wait: this.wait,
      stopped: this.stopped,
      history: [...this.history],
    };
  }

  /** Puts the best epoch's weights back into the model. */
  restoreBest(): void {
    if (this.best) this.layersModel.setWeights(this.best.weights);
  }

  /** Frees everything but the model, which the caller keeps. */
  disposeTrainingState(): void {
    this.trainer.dispose();
    tf.dispose(this.best?.weights ?? []);
    this.best = null;
  }
}
