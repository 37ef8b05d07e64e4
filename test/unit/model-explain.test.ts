import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { featureGroups } from '../../features/feature-transform.js';
import type { FeatureTransform } from '../../features/feature-transform.js';
import { gradientTimesInput } from '../../model/attribution.js';
import { selectBackend } from '../../model/backend.js';
import { permutationImportance } from '../../model/importance.js';
import { permutation, seededRandom } from '../../tabular/seeded-random.js';
import { regressionMetrics } from '../../model/metrics.js';
import { buildNetwork } from '../../model/network.js';
import { MISSING_SLICE, sliceMetrics, worstSliceRegression } from '../../model/slices.js';

beforeAll(async () => {
  await selectBackend();
});

const mse = (labels: Float32Array, scores: Float32Array): number => regressionMetrics(labels, scores).rmse ** 2;

describe('slice metrics', () => {
  // 40 rows at A, all label 1 scored 0.5; 35 at B, label 0 scored 0.2; 5 at C (too few); 30 without a value.
  const repeated = (count: number, airport: string | null): Record<string, unknown>[] => Array.from({ length: count }, () => ({ airport }));
  const rows = [...repeated(40, 'A'), ...repeated(35, 'B'), ...repeated(5, 'C'), ...repeated(30, null)];
  const labels = Float32Array.from(rows, (row) => (row.airport === 'A' || row.airport === null ? 1 : 0));
  const scores = Float32Array.from(rows, (row) => (row.airport === 'A' ? 0.5 : row.airport === null ? 0.9 : 0.2));
  const metricsOf = (l: Float32Array, s: Float32Array) => ({ mae: regressionMetrics(l, s).mae, rows: l.length });

  it('scores each value of a named column on its own rows, largest first, leaving out slices under minRows', () => {
    const slices = sliceMetrics({ rows, labels, scores, columns: ['airport'], metricsOf, minRows: 30 });
    expect(slices.map(({ value, rows: n }) => [value, n])).toEqual([['A', 40], ['B', 35], [MISSING_SLICE, 30]]);
    expect(slices[0]!.metrics.mae).toBeCloseTo(0.5, 6);
    expect(slices[1]!.metrics.mae).toBeCloseTo(0.2, 6);
    expect(slices[2]!.metrics.mae).toBeCloseTo(0.1, 6);
  });

  it('finds the slice where the candidate lost most against production', () => {
    const candidate = [{ column: 'airport', value: 'A', rows: 40, metrics: { auc: 0.7 } }, { column: 'airport', value: 'B', rows: 35, metrics: { auc: 0.6 } }, { column: 'airport', value: 'D', rows: 50, metrics: { auc: 0.1 } }];
    const production = [{ column: 'airport', value: 'A', rows: 40, metrics: { auc: 0.65 } }, { column: 'airport', value: 'B', rows: 35, metrics: { auc: 0.75 } }];
    const worst = worstSliceRegression(candidate, production, 'auc', true)!;
    expect([worst.value, worst.candidate, worst.production]).toEqual(['B', 0.6, 0.75]);
    expect(worst.regression).toBeCloseTo(0.15, 10);
    expect(worstSliceRegression(candidate, [], 'auc', true)).toBeUndefined();
  });
});

describe('permutation importance', () => {
  const rows = 200;
  const width = 2;
  const random = seededRandom(5);
  const features = Float32Array.from({ length: rows * width }, () => Math.round(random() * 100) / 10);
  // y = 2·x0 exactly, x1 is ignored by the "model".
  const score = (matrix: Float32Array) => Float32Array.from({ length: rows }, (_, i) => 2 * matrix[i * width]!);
  const labels = score(features);

  it('is zero for a column the model ignores and, for a linear one, w² times the mean squared shift the shuffle caused', () => {
    const result = permutationImportance({ features, rows, width, labels, groups: [{ name: 'x0', slots: [0] }, { name: 'x1', slots: [1] }], score, metric: mse, higherIsBetter: false, repeats: 1, seed: 9 });
    expect(result.map((r) => r.feature)).toEqual(['x0', 'x1']);
    expect(result[1]!.importance).toBe(0);
    // The first shuffle drawn from seed 9 is the one x0 got: its effect on the MSE, computed directly.
    const order = permutation(rows, seededRandom(9));
    let shift = 0;
    for (let i = 0; i < rows; i++) shift += (2 * features[order[i]! * width]! - 2 * features[i * width]!) ** 2;
    expect(result[0]!.importance).toBeCloseTo(shift / rows, 3);
  });

  it('moves a one-hot feature\'s columns together, so every row stays one-hot', () => {
    const hot = new Float32Array(rows * 3);
    for (let i = 0; i < rows; i++) hot[i * 3 + (i % 3)] = 1;
    const checked = (matrix: Float32Array) => {
      for (let i = 0; i < rows; i++) expect(matrix[i * 3]! + matrix[i * 3 + 1]! + matrix[i * 3 + 2]!).toBe(1);
      return Float32Array.from({ length: rows }, (_, i) => matrix[i * 3]!);
    };
    const [importance] = permutationImportance({ features: hot, rows, width: 3, labels: checked(hot), groups: [{ name: 'weather', slots: [0, 1, 2] }], score: checked, metric: mse, higherIsBetter: false, seed: 2 });
    expect(importance!.importance).toBeGreaterThan(0);
  });

  it('groups a transform\'s vector by input feature', () => {
    const transform = { numeric: [{ name: 'distance' }, { name: 'date.hour' }], categorical: [{ column: 'origin', vocabulary: ['SFO', 'LAX'] }] } as unknown as FeatureTransform;
    expect(featureGroups(transform)).toEqual([{ name: 'distance', slots: [0] }, { name: 'date.hour', slots: [1] }, { name: 'origin', slots: [2, 3, 4] }]);
  });
});

describe('gradient × input', () => {
  it('is each weight times its input for a linear model', () => {
    const layersModel = buildNetwork({ network: { kind: 'linear' }, task: 'binary', inputWidth: 3, seed: 1 });
    layersModel.layers[0]!.setWeights([tf.tensor2d([[0.5], [-2], [3]]), tf.tensor1d([0.25])]);
    const attributions = gradientTimesInput(layersModel, Float32Array.from([2, 1, -1, 4, 0, 1]), 2, 3);
    expect(Array.from(attributions)).toEqual([1, -2, -3, 2, -0, 3]);
    layersModel.dispose();
  });

  it('adds up to the logit for a ReLU network without biases (Euler: such a network is positively homogeneous)', () => {
    const layersModel = buildNetwork({ network: { kind: 'mlp', hidden: [8, 4], dropout: 0.2 }, task: 'binary', inputWidth: 5, seed: 3 });
    for (const layer of layersModel.layers) {
      const weights = layer.getWeights();
      if (weights.length === 2) layer.setWeights([weights[0]!, tf.zerosLike(weights[1]!)]);
    }
    const row = Float32Array.from([0.3, -1.2, 2, 0.7, -0.4]);
    const total = gradientTimesInput(layersModel, row, 1, 5).reduce((sum, value) => sum + value, 0);
    const probability = (layersModel.predict(tf.tensor2d(row, [1, 5])) as tf.Tensor).dataSync()[0]!;
    expect(total).toBeCloseTo(Math.log(probability / (1 - probability)), 4);
    layersModel.dispose();
  });
});
