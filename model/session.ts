import * as tf from '@tensorflow/tfjs';
import { decodeWeights, encodeWeights, exportNetwork, importNetwork } from './artifact.js';
import type { Checkpoint } from './checkpoint.js';
import { CheckpointMismatchError } from './errors.js';
import { buildNetwork, compileNetwork } from './network.js';
import type { EpochLog, TrainSpec } from './types.js';

/**
 * The mutable state of one training run: the model, its optimizer, and early stopping's
 * bookkeeping. It can be written to a {@link Checkpoint} after any epoch and rebuilt from one.
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
    private readonly optimizer: tf.AdamOptimizer,
  ) {}

  static fresh(spec: TrainSpec, inputWidth: number): TrainingSession {
    const layersModel = buildNetwork({ network: spec.network, task: spec.task, inputWidth, seed: spec.seed });
    return new TrainingSession(layersModel, compileNetwork(layersModel, spec.task, spec.learningRate));
  }

  static async resume(checkpoint: Checkpoint, spec: TrainSpec, fingerprint: string): Promise<TrainingSession> {
    if (checkpoint.fingerprint !== fingerprint) {
      throw new CheckpointMismatchError(
        `Checkpoint after epoch ${checkpoint.epoch} was written for a different training spec or data shape; refusing to resume from it`,
      );
    }
    const layersModel = await importNetwork(checkpoint.networkBytes);
    const session = new TrainingSession(layersModel, compileNetwork(layersModel, spec.task, spec.learningRate));
    const moments = decodeWeights(checkpoint.optimizer);
    await session.optimizer.setWeights(moments);
    // setWeights copied the moments into new variables and read the iteration count.
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
    const optimizerWeights = await this.optimizer.getWeights();
    const optimizer = await encodeWeights(optimizerWeights);
    // getWeights() makes a fresh scalar for the iteration count; the moments are live variables.
    tf.dispose(optimizerWeights.filter(({ name }) => name === 'iter').map(({ tensor }) => tensor));
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
    this.optimizer.dispose();
    tf.dispose(this.best?.weights ?? []);
    this.best = null;
  }
}
