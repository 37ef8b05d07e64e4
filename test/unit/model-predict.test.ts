import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { exportNetwork, importNetwork } from '../../model/artifact.js';
import { selectBackend } from '../../model/backend.js';
import type { NetworkSpec, Task } from '../../model/network.js';
import { buildNetwork } from '../../model/network.js';
import { predict } from '../../model/predict.js';
import { expectSameScores } from '../support/native-backend.js';

beforeAll(async () => {
  await selectBackend();
});

const WIDTH = 12;
const ROWS = 257;
const features = Float32Array.from({ length: ROWS * WIDTH }, (_, i) => Math.sin(i * 0.37) * 3);
const layersPredict = (layersModel: tf.LayersModel): Float32Array => tf.tidy(() => (layersModel.predict(tf.tensor2d(features, [ROWS, WIDTH])) as tf.Tensor).dataSync() as Float32Array);

const networks: [string, NetworkSpec, Task][] = [
  ['an MLP with dropout, binary', { kind: 'mlp', hidden: [16, 8], dropout: 0.2 }, 'binary'],
  ['an MLP without dropout, regression', { kind: 'mlp', hidden: [5], dropout: 0 }, 'regression'],
  ['a linear model', { kind: 'linear' }, 'binary'],
];

describe('predict runs the dense layers as fused kernels', () => {
  it.each(networks)('gives what model.predict gives for %s, in batches or not', async (_name, network, task) => {
    // Through the stored artifact too: the server scores models read back from MinIO.
    const layersModel = await importNetwork(await exportNetwork(buildNetwork({ network, task, inputWidth: WIDTH, seed: 11 })));
    const expected = layersPredict(layersModel);
    const layered = vi.spyOn(layersModel, 'predict');
    expectSameScores(predict(layersModel, features, ROWS, WIDTH), expected);
    expectSameScores(predict(layersModel, features, ROWS, WIDTH, 10), expected);
    expectSameScores(predict(layersModel, features.subarray(0, WIDTH), 1, WIDTH), [expected[0]!]);
    expect(layered).not.toHaveBeenCalled();
    layersModel.dispose();
  });

  it('leaves no tensors behind', () => {
    const layersModel = buildNetwork({ network: { kind: 'mlp', hidden: [8], dropout: 0.1 }, task: 'binary', inputWidth: WIDTH, seed: 3 });
    predict(layersModel, features, ROWS, WIDTH);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) predict(layersModel, features, ROWS, WIDTH, 64);
    expect(tf.memory().numTensors).toBe(before);
    layersModel.dispose();
  });

  it('falls back to model.predict for a layer it does not fuse', () => {
    const layersModel = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [WIDTH], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }), tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] });
    const expected = layersPredict(layersModel);
    const layered = vi.spyOn(layersModel, 'predict');
    expect(Array.from(predict(layersModel, features, ROWS, WIDTH))).toEqual(Array.from(expected));
    expect(layered).toHaveBeenCalled();
    layersModel.dispose();
  });
});
