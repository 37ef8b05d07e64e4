import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../model/backend.js';
import { DenseTrainer } from '../../model/dense-trainer.js';
import { dropoutMask } from '../../model/dropout-mask.js';
import { ModelFormatError } from '../../model/errors.js';
import type { NetworkSpec, Task } from '../../model/network.js';
import { buildNetwork } from '../../model/network.js';

const ROWS = 48;
const WIDTH = 7;
const LEARNING_RATE = 0.01;
let x: tf.Tensor2D;

beforeAll(async () => {
  await selectBackend();
  x = tf.tensor2d(Float32Array.from({ length: ROWS * WIDTH }, (_, i) => Math.sin(i * 0.71) * 2), [ROWS, WIDTH]);
});
const labelsOf = (task: Task): tf.Tensor2D =>
  tf.tensor2d(Float32Array.from({ length: ROWS }, (_, i) => (task === 'binary' ? (Math.cos(i) > 0 ? 1 : 0) : Math.cos(i) * 3)), [ROWS, 1]);

/**
 * The same step by tfjs's own machinery: the loss written as layers, its gradient by autodiff,
 * the update by tf.train.adam, and dropout as the trainer draws it for (epoch, batch).
 */
function referenceStep(layersModel: tf.LayersModel, task: Task, spec: NetworkSpec, epoch: number, batch: number, y: tf.Tensor2D): { loss: number; weights: Float32Array[] } {
  const dense = layersModel.layers.filter((layer) => layer.getClassName() === 'Dense');
  const variables = dense.flatMap((layer) => layer.trainableWeights.map((weight) => weight.read()));
  const dropout = spec.kind === 'mlp' ? spec.dropout : 0;
  const optimizer = tf.train.adam(LEARNING_RATE);
  const loss = optimizer.minimize(() => {
    let activation: tf.Tensor = x;
    dense.forEach((layer, i) => {
      const [kernel, bias] = layer.trainableWeights.map((weight) => weight.read());
      const z = tf.add(tf.matMul(activation, kernel!), bias!);
      if (i === dense.length - 1) {
        activation = z;
        return;
      }
      activation = tf.relu(z);
      if (dropout > 0) activation = tf.mul(activation, tf.tensor2d(dropoutMask(ROWS, z.shape[1]!, dropout, 1000 + 5 + i, epoch, batch), z.shape as [number, number]));
    });
    const perRow = task === 'binary' ? tf.losses.sigmoidCrossEntropy(y, activation, undefined, undefined, tf.Reduction.NONE) : tf.square(tf.sub(activation, y));
    return tf.mean(perRow);
  }, true, variables as tf.Variable[]);
  const value = loss!.dataSync()[0]!;
  tf.dispose([loss!]);
  optimizer.dispose();
  return { loss: value, weights: variables.map((variable) => variable.dataSync() as Float32Array) };
}

const cases: [string, NetworkSpec, Task][] = [
  ['binary MLP with dropout', { kind: 'mlp', hidden: [6, 4], dropout: 0.25 }, 'binary'],
  ['regression MLP without dropout', { kind: 'mlp', hidden: [5], dropout: 0 }, 'regression'],
  ['logistic regression', { kind: 'linear' }, 'binary'],
];

describe('DenseTrainer', () => {
  it.each(cases)('%s: a step gives the loss, gradient and Adam update of tfjs autodiff with tf.train.adam', (_name, network, task) => {
    const y = labelsOf(task);
    const reference = buildNetwork({ network, task, inputWidth: WIDTH, seed: 5 });
    const trained = buildNetwork({ network, task, inputWidth: WIDTH, seed: 5 });
    const trainer = new DenseTrainer(trained, task, LEARNING_RATE);
    for (const [epoch, batch] of [[1, 0], [1, 1], [2, 0]] as const) {
      const expected = referenceStep(reference, task, network, epoch, batch, y);
      // The reference's optimizer starts afresh each call, so the trainer's does too.
      const fresh = freshAdam(trained);
      trainer.setWeights(fresh);
      tf.dispose(fresh.map(({ tensor }) => tensor));
      const lossSum = trainer.step(x, y, epoch, batch);
      expect(lossSum.dataSync()[0]! / ROWS).toBeCloseTo(expected.loss, 5);
      lossSum.dispose();
      const weights = trained.getWeights().map((weight) => weight.dataSync());
      weights.forEach((values, i) => {
        const want = expected.weights[i]!;
        const worst = Math.max(...Array.from(values, (value, j) => Math.abs(value - want[j]!)));
        expect(worst).toBeLessThan(1e-5);
      });
    }
    trainer.dispose();
    [reference, trained].forEach((model) => model.dispose());
    y.dispose();
  });

  it("keeps Adam's state in tf.train.adam's checkpoint form, and restores it", () => {
    const layersModel = buildNetwork({ network: { kind: 'mlp', hidden: [3], dropout: 0 }, task: 'binary', inputWidth: WIDTH, seed: 2 });
    const trainer = new DenseTrainer(layersModel, 'binary', LEARNING_RATE);
    const y = labelsOf('binary');
    trainer.step(x, y, 1, 0).dispose();
    const state = trainer.getWeights();
    expect(state.map(({ name }) => name.replace(/_\d+(?=\/[mv]$)/, ''))).toEqual([
      'iter',
      ...['hidden_1/kernel/m', 'hidden_1/bias/m', 'output/kernel/m', 'output/bias/m'],
      ...['hidden_1/kernel/v', 'hidden_1/bias/v', 'output/kernel/v', 'output/bias/v'],
    ]);
    expect(state[0]!.tensor.dataSync()[0]).toBe(1);
    expect(state[1]!.tensor.shape).toEqual([WIDTH, 3]);
    const restored = new DenseTrainer(layersModel, 'binary', LEARNING_RATE);
    restored.setWeights(state);
    expect(restored.getWeights().map(({ tensor }) => Array.from(tensor.dataSync()))).toEqual(state.map(({ tensor }) => Array.from(tensor.dataSync())));
    expect(() => restored.setWeights(state.slice(0, 3))).toThrow(ModelFormatError);
    tf.dispose(state.map(({ tensor }) => tensor));
    [trainer, restored].forEach((each) => each.dispose());
    layersModel.dispose();
    y.dispose();
  });

  it('refuses a network that is not dense ReLU layers with a matching output unit', () => {
    const tanh = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [WIDTH], activation: 'tanh' }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
    expect(() => new DenseTrainer(tanh, 'binary', LEARNING_RATE)).toThrow(/a hidden layer is not ReLU/);
    const linearOutput = buildNetwork({ network: { kind: 'linear' }, task: 'regression', inputWidth: WIDTH, seed: 1 });
    expect(() => new DenseTrainer(linearOutput, 'binary', LEARNING_RATE)).toThrow(/output layer's activation is linear, not sigmoid/);
    [tanh, linearOutput].forEach((model) => model.dispose());
  });
});

describe('dropoutMask', () => {
  it('drops the rate of units, scales the rest, and is a pure function of (seed, epoch, batch)', () => {
    const mask = dropoutMask(1000, 33, 0.2, 9, 3, 4);
    expect(mask).toHaveLength(33_000);
    const dropped = mask.filter((value) => value === 0).length / mask.length;
    expect(dropped).toBeGreaterThan(0.19);
    expect(dropped).toBeLessThan(0.21);
    expect(new Set(mask)).toEqual(new Set([0, Math.fround(1 / 0.8)]));
    expect(dropoutMask(1000, 33, 0.2, 9, 3, 4)).toEqual(mask);
    expect(dropoutMask(1000, 33, 0.2, 9, 3, 5)).not.toEqual(mask);
    expect(dropoutMask(1000, 33, 0.2, 9, 4, 4)).not.toEqual(mask);
    expect(dropoutMask(3, 1, 0.5, 1, 1, 1)).toHaveLength(3);
  });
});

/** Adam's state before its first step, for the trainer's variables. */
function freshAdam(layersModel: tf.LayersModel): { name: string; tensor: tf.Tensor }[] {
  const weights = layersModel.trainableWeights.map((weight) => weight.read());
  return [{ name: 'iter', tensor: tf.scalar(0, 'int32') }, ...weights.map((w) => ({ name: 'm', tensor: tf.zerosLike(w) })), ...weights.map((w) => ({ name: 'v', tensor: tf.zerosLike(w) }))];
}
