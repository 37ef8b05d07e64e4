import * as tf from '@tensorflow/tfjs';
import type { Task } from './network.js';
import type { DataSplit, EpochLog, TrainData } from './types.js';

/**
 * How labels are put on a common footing before training, so the defaults (Adam at 1e-3, weights
 * initialised near zero) fit any label without tuning:
 *
 * - regression: the network learns the label standardised by the training split's mean and
 *   deviation, and those are folded into the output unit's weights afterwards, so the model
 *   answers in the label's own units. Without it a label in the thousands (prices, grams) is
 *   thousands of Adam steps away from a network that starts near 0.
 * - binary: the output unit's bias starts at the log-odds of the training split's positive rate,
 *   so the first epochs learn the features rather than the base rate.
 */
export type LabelScale = { task: 'regression'; mean: number; deviation: number } | { task: 'binary'; positiveRate: number };

/** Rates this close to 0 or 1 start the bias at their bound: log-odds of an all-negative split would be -Infinity. */
const RATE_BOUND = 1e-4;

export function labelScaleOf(task: Task, { labels }: DataSplit): LabelScale {
  let sum = 0;
  for (const label of labels) sum += label;
  const mean = sum / labels.length;
  if (task === 'binary') return { task, positiveRate: mean };
  let squares = 0;
  for (const label of labels) squares += (label - mean) ** 2;
  const deviation = Math.sqrt(squares / labels.length);
  // A constant label has nothing to scale: the bias alone carries it.
  return { task, mean, deviation: deviation > 0 && Number.isFinite(deviation) ? deviation : 1 };
}

/** The splits with standardised labels (regression); binary labels are left as they are. */
export function scaleLabels(data: TrainData, scale: LabelScale): TrainData {
  if (scale.task === 'binary') return data;
  const scaled = (split: DataSplit): DataSplit => ({ ...split, labels: split.labels.map((label) => (label - scale.mean) / scale.deviation) });
  return { train: scaled(data.train), ...(data.validation ? { validation: scaled(data.validation) } : {}) };
}

/** An epoch's losses in the label's units: squared error scales with the deviation squared. */
export function unscaledLog(log: EpochLog, scale: LabelScale): EpochLog {
  if (scale.task === 'binary') return log;
  const factor = scale.deviation ** 2;
  return { ...log, loss: log.loss * factor, valLoss: log.valLoss === null ? null : log.valLoss * factor };
}

/** Starts the output unit's bias where the labels are: the positive rate's log-odds (binary); 0, the standardised mean (regression). */
export function initialiseOutputBias(layersModel: tf.LayersModel, scale: LabelScale): void {
  if (scale.task !== 'binary') return;
  const rate = Math.min(Math.max(scale.positiveRate, RATE_BOUND), 1 - RATE_BOUND);
  const output = outputLayer(layersModel);
  const [kernel, bias] = output.getWeights();
  const logOdds = tf.fill(bias!.shape, Math.log(rate / (1 - rate)));
  output.setWeights([kernel!, logOdds]);
  logOdds.dispose();
}

/** Folds a regression's standardisation into the output unit: y = deviation · (h·w + b) + mean = h·(deviation·w) + (deviation·b + mean). */
export function foldLabelScale(layersModel: tf.LayersModel, scale: LabelScale): void {
  if (scale.task !== 'regression') return;
  const output = outputLayer(layersModel);
  const [kernel, bias] = output.getWeights();
  const folded = tf.tidy(() => [tf.mul(kernel!, scale.deviation), tf.add(tf.mul(bias!, scale.deviation), scale.mean)]);
  output.setWeights(folded);
  tf.dispose(folded);
}

function outputLayer(layersModel: tf.LayersModel): tf.layers.Layer {
  const output = layersModel.layers.at(-1);
  if (!output || output.getWeights().length !== 2) throw new Error(`${layersModel.name} has no output unit with a kernel and a bias`);
  return output;
}
