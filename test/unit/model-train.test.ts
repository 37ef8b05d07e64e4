import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { exportNetwork, importNetwork } from '../../model/artifact.js';
import { selectBackend } from '../../model/backend.js';
import type { Checkpoint } from '../../model/checkpoint.js';
import { deserializeCheckpoint, serializeCheckpoint } from '../../model/checkpoint.js';
import { CheckpointMismatchError, InvalidTrainingDataError, InvalidTrainSpecError, ModelFormatError, TrainingDivergedError } from '../../model/errors.js';
import { binaryMetrics, regressionMetrics } from '../../model/metrics.js';
import { buildNetwork } from '../../model/network.js';
import { predict } from '../../model/predict.js';
import { SeededDropout } from '../../model/seeded-dropout.js';
import { trainNetwork } from '../../model/train.js';
import type { TrainData, TrainSpec } from '../../model/types.js';
import { expectedCpuBackend, expectSameScores } from '../support/native-backend.js';
import { synthetic } from '../support/synthetic-data.js';

const data: TrainData = { train: synthetic(1500, 8, 1), validation: synthetic(300, 8, 2) };
const test = synthetic(600, 8, 3);
const spec: TrainSpec = {
  task: 'binary',
  network: { kind: 'mlp', hidden: [16, 8], dropout: 0.1 },
  epochs: 5,
  batchSize: 64,
  learningRate: 0.01,
  earlyStopPatience: 3,
  seed: 42,
};

const weightsOf = (layersModel: tf.LayersModel): Float32Array[] => layersModel.getWeights().map((w) => w.dataSync() as Float32Array);

beforeAll(async () => {
  await selectBackend();
});

describe('trainNetwork', () => {
  it('learns a separable binary problem (test AUC > 0.9) and reports every epoch', async () => {
    const epochs: number[] = [];
    const result = await trainNetwork({ data, spec, onEpoch: ({ epoch, checkpoint }) => void epochs.push(epoch, checkpoint.epoch) });
    const metrics = binaryMetrics(test.labels, predict(result.layersModel, test.features, test.rows, test.width));
    result.layersModel.dispose();
    expect(metrics.auc).toBeGreaterThan(0.9);
    expect(epochs).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(result).toMatchObject({ epochs: 5, monitor: 'valLoss' });
    // Chosen by measured step time among the CPU backends set-up provides, each one's time kept.
    expect(result.backend.measured.map((timing) => timing.name)).toEqual(expectedCpuBackend() === 'tensorflow' ? ['tensorflow', 'wasm'] : ['wasm']);
    expect(result.backend.measured.map((timing) => timing.name)).toContain(result.backend.name);
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
  });

  it('fits a linear regression (kind linear) to R² > 0.9', async () => {
    const regression: TrainData = { train: synthetic(1500, 4, 4, 'regression'), validation: synthetic(300, 4, 5, 'regression') };
    const held = synthetic(500, 4, 6, 'regression');
    const result = await trainNetwork({
      data: regression,
      spec: { ...spec, task: 'regression', network: { kind: 'linear' }, epochs: 20, learningRate: 0.05 },
    });
    const { r2 } = regressionMetrics(held.labels, predict(result.layersModel, held.features, held.rows, held.width));
    result.layersModel.dispose();
    expect(r2).toBeGreaterThan(0.9);
  });

  it('is deterministic for a fixed seed on one backend, and the seed matters', async () => {
    const short = { ...spec, epochs: 3 };
    // Backends round differently in the last bits: the measured choice may differ between runs.
    const backends = [expectedCpuBackend()];
    const first = await trainNetwork({ data, spec: short, backends });
    const second = await trainNetwork({ data, spec: short, backends });
    const other = await trainNetwork({ data, spec: { ...short, seed: 43 }, backends });
    expect(weightsOf(second.layersModel)).toEqual(weightsOf(first.layersModel));
    expect(second.history).toEqual(first.history);
    expect(weightsOf(other.layersModel)).not.toEqual(weightsOf(first.layersModel));
    [first, second, other].forEach(({ layersModel: network }) => network.dispose());
  });

  it('stops early after `patience` epochs without improvement, keeps the best weights, and never stops with patience 0', async () => {
    // Labels unrelated to the features: validation loss soon stops improving.
    const noise: TrainData = { train: { ...synthetic(600, 8, 7), labels: synthetic(600, 8, 8).labels }, validation: synthetic(300, 8, 9) };
    const checkpoints: Checkpoint[] = [];
    const result = await trainNetwork({
      data: noise,
      spec: { ...spec, epochs: 40, earlyStopPatience: 2, learningRate: 0.05 },
      onEpoch: ({ checkpoint }) => void checkpoints.push(checkpoint),
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochs).toBeLessThan(40);
    expect(result.epochs).toBe(result.bestEpoch + 2);
    const bestValLoss = Math.min(...result.history.map((h) => h.valLoss ?? Number.POSITIVE_INFINITY));
    expect(result.bestLoss).toBe(bestValLoss);
    const best = await importNetwork(checkpoints[result.bestEpoch - 1]?.networkBytes ?? new Uint8Array());
    expect(weightsOf(result.layersModel)).toEqual(weightsOf(best));

    const patient = await trainNetwork({ data: noise, spec: { ...spec, epochs: result.epochs + 2, earlyStopPatience: 0, learningRate: 0.05 } });
    expect(patient).toMatchObject({ epochs: result.epochs + 2, stoppedEarly: false });
    [result.layersModel, best, patient.layersModel].forEach((layersModel) => layersModel.dispose());
  });

  it('resumes from a serialised checkpoint to the same weights as an unbroken run', async () => {
    const backends = [expectedCpuBackend()];
    const straight = await trainNetwork({ data, spec, backends });
    let third: Checkpoint | undefined;
    const partial = await trainNetwork({ data, spec: { ...spec, epochs: 3 }, backends, onEpoch: ({ checkpoint }) => void (third = checkpoint) });
    partial.layersModel.dispose();
    const restored = deserializeCheckpoint(serializeCheckpoint(third as Checkpoint));
    const resumed = await trainNetwork({ data, spec, resumeFrom: restored });
    expect(resumed.history).toHaveLength(5);
    const a = weightsOf(straight.layersModel).flatMap((w) => [...w]);
    const b = weightsOf(resumed.layersModel).flatMap((w) => [...w]);
    // Adam's bias-correction power is recomputed on restore (beta^t vs a running product): measured 1.2e-7.
    expect(Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? Number.NaN))))).toBeLessThan(1e-6);
    [straight.layersModel, resumed.layersModel].forEach((layersModel) => layersModel.dispose());
  });

  it('refuses to resume from a checkpoint written for another spec', async () => {
    let first: Checkpoint | undefined;
    const run = await trainNetwork({ data, spec: { ...spec, epochs: 1 }, onEpoch: ({ checkpoint }) => void (first = checkpoint) });
    run.layersModel.dispose();
    await expect(trainNetwork({ data, spec: { ...spec, learningRate: 0.02 }, resumeFrom: first })).rejects.toThrow(CheckpointMismatchError);
  });

  it('round-trips a checkpoint through bytes', async () => {
    let last: Checkpoint | undefined;
    const run = await trainNetwork({ data, spec: { ...spec, epochs: 2 }, onEpoch: ({ checkpoint }) => void (last = checkpoint) });
    run.layersModel.dispose();
    expect(deserializeCheckpoint(serializeCheckpoint(last as Checkpoint))).toEqual(last);
    expect(() => deserializeCheckpoint(Buffer.from('not a checkpoint'))).toThrow(ModelFormatError);
  });

  it('leaves no tensors behind once the returned model is disposed', async () => {
    const before = tf.memory().numTensors;
    const result = await trainNetwork({ data, spec: { ...spec, epochs: 2 }, onEpoch: () => undefined });
    result.layersModel.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad data and specs with errors that name the problem', async () => {
    const labels = data.train.labels.slice();
    labels[7] = 2;
    await expect(trainNetwork({ data: { train: { ...data.train, labels } }, spec })).rejects.toThrow(/train split has label 2 at row 7; expected 0 or 1/);
    const features = data.train.features.slice();
    features[8 * 3 + 5] = Number.NaN;
    await expect(trainNetwork({ data: { train: { ...data.train, features } }, spec })).rejects.toThrow(InvalidTrainingDataError);
    await expect(trainNetwork({ data: { train: { ...data.train, features } }, spec })).rejects.toThrow(/row 3, column 5/);
    await expect(trainNetwork({ data, spec: { ...spec, batchSize: 0 } })).rejects.toThrow(InvalidTrainSpecError);
  });

  it('stops with TrainingDivergedError when the loss is no longer finite', async () => {
    const regression: TrainData = { train: synthetic(200, 4, 10, 'regression') };
    const diverging: TrainSpec = { ...spec, task: 'regression', network: { kind: 'mlp', hidden: [8], dropout: 0 }, learningRate: 1e30 };
    const attempt = trainNetwork({ data: regression, spec: diverging });
    await expect(attempt).rejects.toThrow(TrainingDivergedError);
    await expect(attempt).rejects.toThrow(/Training diverged at epoch 1 \(loss NaN\)/);
  });
});

describe('exportNetwork / importNetwork', () => {
  it('gives identical predictions after a round trip, in any batch size', async () => {
    const result = await trainNetwork({ data, spec: { ...spec, epochs: 2 } });
    const scores = predict(result.layersModel, test.features, test.rows, test.width);
    const copy = await importNetwork(await exportNetwork(result.layersModel));
    expect(predict(copy, test.features, test.rows, test.width)).toEqual(scores);
    expectSameScores(predict(copy, test.features, test.rows, test.width, 7), scores);
    [result.layersModel, copy].forEach((layersModel) => layersModel.dispose());
    await expect(importNetwork(Buffer.from('CTRN garbage'))).rejects.toThrow(ModelFormatError);
  });
});

describe('SeededDropout', () => {
  it('is the identity outside training and keeps its rate and seed through export and import', async () => {
    const layer = new SeededDropout({ rate: 0.5, seed: 3 });
    const input = tf.ones([4, 32]);
    expect(layer.call(input)).toBe(input);
    input.dispose();
    const layersModel = buildNetwork({ network: { kind: 'mlp', hidden: [4], dropout: 0.3 }, task: 'binary', inputWidth: 5, seed: 8 });
    const copy = await importNetwork(await exportNetwork(layersModel));
    const dropout = copy.layers.find((each) => each instanceof SeededDropout);
    expect(dropout?.getConfig()).toMatchObject({ rate: 0.3, seed: 1008 });
    [layersModel, copy].forEach((each) => each.dispose());
  });
});
