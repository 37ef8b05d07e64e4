import { beforeAll, describe, expect, it } from 'vitest';
import { defaultBatchSize, trainSpecOf } from '../../activities/train.js';
import { parsePipelineSpec } from '../../pipelines/index.js';
import seattle from '../../pipelines/seattle-temperature.js';
import { selectBackend } from '../../model/backend.js';
import { foldLabelScale, labelScaleOf } from '../../model/label-scale.js';
import { regressionMetrics } from '../../model/metrics.js';
import { buildNetwork } from '../../model/network.js';
import { predict } from '../../model/predict.js';
import { TrainingSession } from '../../model/session.js';
import { trainNetwork } from '../../model/train.js';
import type { DataSplit, TrainData, TrainSpec } from '../../model/types.js';
import { synthetic } from '../support/synthetic-data.js';

/** A label in the thousands, as prices or masses are: 5000 + 800 × the synthetic score. */
const inThousands = (split: DataSplit): DataSplit => ({ ...split, labels: split.labels.map((label) => 5000 + 800 * label) });

// The spec defaults: Adam at 1e-3 and nothing tuned to the label's size.
const spec: TrainSpec = { task: 'regression', network: { kind: 'mlp', hidden: [16, 8], dropout: 0 }, epochs: 15, batchSize: 32, learningRate: 1e-3, earlyStopPatience: 3, seed: 11 };

beforeAll(async () => {
  await selectBackend();
});

describe('labels put on a common footing for training', () => {
  it('fits a regression label in the thousands with the default learning rate, answering in its units', async () => {
    const data: TrainData = { train: inThousands(synthetic(1200, 6, 21, 'regression')), validation: inThousands(synthetic(300, 6, 22, 'regression')) };
    const held = inThousands(synthetic(400, 6, 23, 'regression'));
    const result = await trainNetwork({ data, spec });
    const scores = predict(result.layersModel, held.features, held.rows, held.width);
    const { r2, rmse } = regressionMetrics(held.labels, scores);
    // Reported losses are mean squared errors in the label's units: the best epoch's validation loss is the returned model's.
    const validation = data.validation!;
    const { rmse: validationRmse } = regressionMetrics(validation.labels, predict(result.layersModel, validation.features, validation.rows, validation.width));
    result.layersModel.dispose();

    expect(r2).toBeGreaterThan(0.9);
    expect(rmse).toBeLessThan(250);
    expect(result.bestLoss).toBeCloseTo(validationRmse ** 2, -1);
    expect(result.bestLoss / validationRmse ** 2).toBeCloseTo(1, 3);
  });

  it('starts a binary output bias at the log-odds of the positive rate', () => {
    const split = synthetic(1000, 4, 24);
    const rate = split.labels.reduce((sum, label) => sum + label, 0) / split.rows;
    const session = TrainingSession.fresh({ ...spec, task: 'binary' }, split.width, labelScaleOf('binary', { ...split, labels: split.labels.map((_, i) => Number(i % 5 === 0)) }));
    const bias = session.layersModel.layers.at(-1)!.getWeights()[1]!.dataSync()[0]!;
    session.disposeTrainingState();
    session.layersModel.dispose();

    expect(rate).toBeGreaterThan(0);
    expect(bias).toBeCloseTo(Math.log(0.2 / 0.8), 5);
  });

  it('folds the standardisation into the output unit exactly: deviation × z + mean', () => {
    const split = synthetic(50, 4, 25, 'regression');
    const network = buildNetwork({ network: spec.network, task: 'regression', inputWidth: split.width, seed: 3 });
    const standardised = predict(network, split.features, split.rows, split.width);
    foldLabelScale(network, { task: 'regression', mean: 1234.5, deviation: 321 });
    const folded = predict(network, split.features, split.rows, split.width);
    network.dispose();

    standardised.forEach((z, i) => expect(folded[i]).toBeCloseTo(321 * z + 1234.5, 2));
  });

  it('leaves a constant label its own bias: a deviation of 0 scales by 1', () => {
    const split = synthetic(20, 2, 26, 'regression');
    expect(labelScaleOf('regression', { ...split, labels: new Float32Array(20).fill(7) })).toEqual({ task: 'regression', mean: 7, deviation: 1 });
  });
});

describe('the default batch size', () => {
  it('is 512 for a large split and shrinks by powers of two to give a small one 32 steps an epoch, never under 32', () => {
    expect([150_000, 16_384, 16_383, 4_096, 1_022, 224, 10].map(defaultBatchSize)).toEqual([512, 512, 256, 128, 32, 32, 32]);
  });

  it('is what the trainer gets when the spec names none, and the spec’s own when it does', () => {
    const spec = parsePipelineSpec({ ...seattle, training: { epochs: 5 } });
    expect(trainSpecOf(spec, 224).batchSize).toBe(32);
    expect(trainSpecOf(spec, 100_000).batchSize).toBe(512);
    expect(trainSpecOf(parsePipelineSpec({ ...seattle, training: { batchSize: 1024 } }), 224).batchSize).toBe(1024);
  });
});
