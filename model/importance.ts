/**
 * Global feature importance by permutation (as scikit-learn's permutation_importance): shuffle
 * one feature's columns across the rows of the test split, score again, and see how much the
 * metric drops. A categorical feature's one-hot columns move together, as one feature.
 */
import { permutation, seededRandom } from '../tabular/seeded-random.js';

/** One input feature and the columns of the feature matrix it occupies. */
export interface FeatureGroup {
  name: string;
  slots: number[];
}

export interface FeatureImportance {
  feature: string;
  /** Mean loss of the metric when the feature is shuffled, oriented so that larger means more important. */
  importance: number;
  /** Standard deviation of that loss over the repeats. */
  std: number;
}

export interface PermutationInput {
  features: Float32Array;
  rows: number;
  width: number;
  labels: Float32Array;
  groups: readonly FeatureGroup[];
  /** Scores a row-major matrix of the same width. */
  score: (features: Float32Array) => Float32Array;
  metric: (labels: Float32Array, scores: Float32Array) => number;
  higherIsBetter: boolean;
  /** Shuffles per feature; default 3. */
  repeats?: number;
  seed?: number;
}

/** Importance of every group, most important first; the same inputs and seed give the same numbers. */
export function permutationImportance(input: PermutationInput): FeatureImportance[] {
  const { features, rows, width, labels, groups, score, metric, higherIsBetter } = input;
  const repeats = input.repeats ?? 3;
  const random = seededRandom(input.seed ?? 1);
  const baseline = metric(labels, score(features));
  const shuffled = new Float32Array(features.length);
  const result = groups.map((group) => {
    const losses: number[] = [];
    for (let r = 0; r < repeats; r++) {
      shuffled.set(features);
      const order = permutation(rows, random);
      for (let row = 0; row < rows; row++) {
        for (const slot of group.slots) shuffled[row * width + slot] = features[order[row]! * width + slot]!;
      }
      const permuted = metric(labels, score(shuffled));
      losses.push(higherIsBetter ? baseline - permuted : permuted - baseline);
    }
    const mean = losses.reduce((sum, loss) => sum + loss, 0) / repeats;
    const std = Math.sqrt(losses.reduce((sum, loss) => sum + (loss - mean) ** 2, 0) / repeats);
    return { feature: group.name, importance: mean, std };
  });
  return result.sort((a, b) => b.importance - a.importance || (a.feature < b.feature ? -1 : 1));
}
