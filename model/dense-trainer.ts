import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from './artifact.js';
import { dropoutMask } from './dropout-mask.js';
import { ModelFormatError } from './errors.js';
import type { Task } from './network.js';
import type { DataSplit } from './types.js';

/** Adam's constants, as tf.train.adam has them (epsilon is tfjs's float32 epsilon). */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;
/** Rows per forward pass when only the loss is wanted (validation); bounds memory like predict's batches. */
const LOSS_BATCH = 4096;

interface DenseLayer {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable;
  activation: unknown;
  /** The dropout after a hidden layer, if any: its rate and the seed of its masks. */
  dropout?: { rate: number; seed: number };
}

/** Adam's state in the form tf.train.adam's getWeights gives and setWeights takes (checkpoints hold it). */
export type OptimizerWeights = NamedTensor[];

/**
 * Training steps of ctrain's networks (dense ReLU layers with seeded dropout between them, then
 * one sigmoid or linear unit), written out as kernels: forward pass, binary cross-entropy or
 * squared error, their gradient and Adam over all weights at once. A step is about 55 kernel
 * calls where layers' fit with tf.train.adam issues 225; with the native backend each call has a
 * fixed cost, which was most of a step for these small networks. The weights stay the layers
 * model's own variables, so export, predict and checkpoints see them as before; a test holds the
 * gradient to tfjs's autodiff and the Adam update to tf.train.adam.
 */
export class DenseTrainer {
  private readonly layers: DenseLayer[];
  private readonly variables: tf.LayerVariable[];
  private readonly shapes: number[][];
  private readonly sizes: number[];
  /** All weights in one vector, the master copy Adam updates; the layers' variables get slices of it. */
  private flatWeights: tf.Tensor1D;
  private firstMoment: tf.Tensor1D;
  private secondMoment: tf.Tensor1D;
  private iterations = 0;

  constructor(
    layersModel: tf.LayersModel,
    private readonly task: Task,
    private readonly learningRate: number,
  ) {
    this.layers = denseLayersOf(layersModel, task);
    this.variables = this.layers.flatMap(({ kernel, bias }) => [kernel, bias]);
    this.shapes = this.variables.map((variable) => variable.read().shape);
    this.sizes = this.shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
    this.flatWeights = tf.tidy(() => tf.concat<tf.Tensor1D>(this.variables.map((variable) => flatten(variable.read()))));
    this.firstMoment = tf.zerosLike(this.flatWeights);
    this.secondMoment = tf.zerosLike(this.flatWeights);
  }

  /**
   * One Adam step on a batch; returns the batch's summed loss (a scalar the caller disposes) so
   * an epoch's mean can be read once, at its end.
   */
  step(x: tf.Tensor2D, y: tf.Tensor2D, epoch: number, batch: number): tf.Scalar {
    this.iterations += 1;
    const t = this.iterations;
    const { lossSum, weights, firstMoment, secondMoment } = tf.tidy(() => {
      const rows = x.shape[0];
      const inputs: tf.Tensor2D[] = [];
      const gates: tf.Tensor2D[] = [];
      let activation = x;
      for (const layer of this.layers.slice(0, -1)) {
        inputs.push(activation);
        const z = preActivation(activation, layer);
        // ReLU and dropout as one multiplier, which is also the gradient's mask.
        let gate = tf.cast(tf.greater(z, 0), 'float32') as tf.Tensor2D;
        if (layer.dropout) {
          const { rate, seed } = layer.dropout;
          const [, units] = z.shape;
          gate = tf.mul(gate, tf.tensor2d(dropoutMask(rows, units, rate, seed, epoch, batch), [rows, units]));
        }
        gates.push(gate);
        activation = tf.mul(z, gate);
      }
      inputs.push(activation);
      const output = this.layers.at(-1)!;
      const { lossSum, delta } = this.lossAndDelta(preActivation(activation, output), y, rows);

      const gradients: tf.Tensor[] = [];
      let upstream = delta;
      for (let i = this.layers.length - 1; i >= 0; i--) {
        gradients[2 * i] = matMul(inputs[i]!, upstream, true, false);
        gradients[2 * i + 1] = tf.sum(upstream, 0);
        if (i > 0) upstream = tf.mul(matMul(upstream, this.layers[i]!.kernel.read() as tf.Tensor2D, false, true), gates[i - 1]!);
      }
      const gradient = tf.concat(gradients.map(flatten));
      // tf.train.adam's update (its bias corrections computed here in double precision).
      const firstMoment = tf.add<tf.Tensor1D>(tf.mul(this.firstMoment, BETA1), tf.mul(gradient, 1 - BETA1));
      const secondMoment = tf.add<tf.Tensor1D>(tf.mul(this.secondMoment, BETA2), tf.mul(tf.square(gradient), 1 - BETA2));
      const corrected1 = tf.div(firstMoment, 1 - BETA1 ** t);
      const corrected2 = tf.div(secondMoment, 1 - BETA2 ** t);
      const weights = tf.add<tf.Tensor1D>(tf.mul(tf.div(corrected1, tf.add(tf.sqrt(corrected2), EPSILON)), -this.learningRate), this.flatWeights);
      return { lossSum, weights, firstMoment, secondMoment };
    });
    tf.dispose([this.firstMoment, this.secondMoment]);
    this.firstMoment = firstMoment;
    this.secondMoment = secondMoment;
    this.setFlatWeights(weights);
    return lossSum;
  }

  /** The summed loss of every row of a split (no dropout), in batches. */
  lossSum({ features, labels, rows, width }: DataSplit): number {
    let total = 0;
    for (let start = 0; start < rows; start += LOSS_BATCH) {
      const count = Math.min(LOSS_BATCH, rows - start);
      const sum = tf.tidy(() => {
        let activation = tf.tensor2d(features.subarray(start * width, (start + count) * width), [count, width]);
        for (const layer of this.layers.slice(0, -1)) activation = tf.relu(preActivation(activation, layer));
        return this.lossAndDelta(preActivation(activation, this.layers.at(-1)!), tf.tensor2d(labels.subarray(start, start + count), [count, 1]), count).lossSum;
      });
      total += sum.dataSync()[0] ?? Number.NaN;
      sum.dispose();
    }
    return total;
  }

  /** Adam's iteration count and moments, per variable, as tf.train.adam's getWeights names and orders them. */
  getWeights(): OptimizerWeights {
    const split = (flat: tf.Tensor1D, suffix: string): NamedTensor[] => {
      const parts = tf.split(flat, this.sizes);
      return parts.map((part, i) => {
        const variable = this.variables[i]!;
        const tensor = shaped(part as tf.Tensor1D, this.shapes[i]!);
        if (tensor !== part) part.dispose();
        return { name: `${variable.name}/${suffix}`, tensor };
      });
    };
    return [{ name: 'iter', tensor: tf.scalar(this.iterations, 'int32') }, ...split(this.firstMoment, 'm'), ...split(this.secondMoment, 'v')];
  }

  /** Restores what {@link getWeights} gave (or a checkpoint of tf.train.adam); the caller keeps and disposes `weights`. */
  setWeights(weights: OptimizerWeights): void {
    const [iterations, ...moments] = weights;
    if (!iterations || moments.length !== 2 * this.variables.length) {
      throw new ModelFormatError(`Optimizer state has ${weights.length} tensors; expected the iteration count and two moments for each of ${this.variables.length} weights`);
    }
    const flat = (part: NamedTensor[]): tf.Tensor1D => tf.tidy(() => tf.concat<tf.Tensor1D>(part.map(({ tensor }) => flatten(tensor))));
    tf.dispose([this.firstMoment, this.secondMoment]);
    this.iterations = iterations.tensor.dataSync()[0] ?? 0;
    this.firstMoment = flat(moments.slice(0, this.variables.length));
    this.secondMoment = flat(moments.slice(this.variables.length));
  }

  dispose(): void {
    tf.dispose([this.flatWeights, this.firstMoment, this.secondMoment]);
  }

  /** The batch's summed loss, and its gradient with respect to the output unit's pre-activation, averaged over rows. */
  private lossAndDelta(z: tf.Tensor2D, y: tf.Tensor2D, rows: number): { lossSum: tf.Scalar; delta: tf.Tensor2D } {
    if (this.task === 'binary') {
      // Cross-entropy of sigmoid(z) as softplus(z) - z·y: one stable kernel instead of five.
      const perRow = tf.sub(tf.softplus(z), tf.mul(z, y));
      return { lossSum: tf.sum(perRow), delta: tf.mul(tf.sub(tf.sigmoid(z), y), 1 / rows) };
    }
    const error = tf.sub(z, y);
    return { lossSum: tf.sum(tf.square(error)), delta: tf.mul(error, 2 / rows) };
  }

  private setFlatWeights(weights: tf.Tensor1D): void {
    this.flatWeights.dispose();
    this.flatWeights = weights;
    const parts = tf.tidy(() => tf.split(weights, this.sizes).map((part, i) => shaped(part as tf.Tensor1D, this.shapes[i]!)));
    parts.forEach((part, i) => {
      this.variables[i]!.write(part);
      part.dispose();
    });
  }
}

/** A tensor as one vector; a vector as it is (a reshape is a kernel call of its own on the native backend). */
function flatten(tensor: tf.Tensor): tf.Tensor1D {
  return (tensor.rank === 1 ? tensor : tf.reshape(tensor, [-1])) as tf.Tensor1D;
}

/** A vector in `shape`; itself when that is its shape already. */
function shaped(vector: tf.Tensor1D, shape: number[]): tf.Tensor {
  return shape.length === 1 ? vector : tf.reshape(vector, shape);
}

/** x · kernel + bias. */
function preActivation(x: tf.Tensor2D, { kernel, bias }: DenseLayer): tf.Tensor2D {
  return tf.add(tf.matMul(x, kernel.read() as tf.Tensor2D), bias.read());
}

/**
 * matMul with a transposed operand. The wasm backend's kernel for that took 4.5 ms against
 * 1.1 ms for transposing first (1024 × 105 by 1024 × 32 here); the native one takes the flags.
 */
function matMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
}

/** The dense layers of a network ctrain built, with the dropout after each; anything else is refused. */
function denseLayersOf(layersModel: tf.LayersModel, task: Task): DenseLayer[] {
  const layers: DenseLayer[] = [];
  const refuse = (why: string): never => {
    throw new ModelFormatError(`Cannot train ${layersModel.name}: ${why}; ctrain trains dense ReLU layers with dropout between them and one output unit`);
  };
  for (const layer of layersModel.layers) {
    const type = layer.getClassName();
    const config = layer.getConfig();
    if (type === 'CtrainSeededDropout') {
      const previous = layers.at(-1);
      if (!previous || previous.dropout) refuse(`dropout layer ${layer.name} does not follow a dense layer`);
      const { rate, seed } = config as { rate: number; seed: number };
      if (rate > 0) previous!.dropout = { rate, seed };
      continue;
    }
    const [kernel, bias] = layer.trainableWeights;
    if (type !== 'Dense' || !kernel || !bias || layer.trainableWeights.length !== 2) refuse(`layer ${layer.name} (${type}) is not a dense layer with a bias`);
    layers.push({ kernel: kernel!, bias: bias!, activation: config.activation });
  }
  const activations = layers.map(({ activation }) => activation);
  const output = task === 'binary' ? 'sigmoid' : 'linear';
  if (activations.length === 0 || activations.at(-1) !== output) refuse(`the output layer's activation is ${String(activations.at(-1))}, not ${output}`);
  if (activations.slice(0, -1).some((activation) => activation !== 'relu')) refuse('a hidden layer is not ReLU');
  if (layers.at(-1)!.dropout) refuse('dropout follows the output layer');
  return layers;
}
