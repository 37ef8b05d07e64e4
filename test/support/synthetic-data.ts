import type { DataSplit } from '../../model/types.js';
import { seededRandom } from '../../tabular/seeded-random.js';

/** Gaussian features; the label is the sign of a fixed linear score plus noise (binary) or the score itself (regression). */
export function synthetic(rows: number, width: number, seed: number, task: 'binary' | 'regression' = 'binary'): DataSplit {
  const uniform = seededRandom(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const features = new Float32Array(rows * width);
  const labels = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    let score = 0;
    for (let col = 0; col < width; col++) {
      const value = gaussian();
      features[row * width + col] = value;
      score += (value * (col % 2 === 0 ? 1 : -1) * (col + 1)) / width;
    }
    labels[row] = task === 'binary' ? Number(score + 0.3 * gaussian() > 0) : score + 0.1 * gaussian();
  }
  return { features, rows, width, labels };
}
