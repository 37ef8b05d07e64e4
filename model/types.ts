import type { NetworkSpec, Task } from './network.js';

/** One split of already-transformed data: a row-major feature matrix and one label per row. */
export interface DataSplit {
  /** `rows * width` values, row after row. */
  features: Float32Array;
  rows: number;
  width: number;
  /** One label per row: 0 or 1 for binary tasks, any finite value for regression. */
  labels: Float32Array;
}

/** The splits training sees; evaluation's test split is not among them. */
export interface TrainData {
  train: DataSplit;
  /** Early stopping watches its loss; without it, it watches the training loss. */
  validation?: DataSplit;
}

/** Everything that shapes a training run. Two runs with equal specs and data give the same model. */
export interface TrainSpec {
  task: Task;
  network: NetworkSpec;
  /** Maximum number of epochs. */
  epochs: number;
  /** Rows per gradient step. */
  batchSize: number;
  /** Adam's step size. */
  learningRate: number;
  /** Epochs without improvement before stopping early; 0 or undefined never stops early. */
  earlyStopPatience?: number;
  /** Smallest drop in the monitored loss that counts as an improvement; default 0. */
  minDelta?: number;
  /** Seeds initializers, dropout masks and the per-epoch shuffle. */
  seed: number;
}

/** The losses of one finished epoch. */
export interface EpochLog {
  /** 1-based number of the epoch. */
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** Loss on the validation split after the epoch; null without a validation split. */
  valLoss: number | null;
}
