import * as tf from '@tensorflow/tfjs';

/** Rows scored per forward pass; bounds the memory one call holds at once. */
export const DEFAULT_PREDICT_BATCH = 4096;

/**
 * Scores a row-major feature matrix: one output per row (a probability for binary models,
 * a value for regression). Runs in batches so large matrices do not become one huge tensor.
 */
export function predict(model: tf.LayersModel, features: Float32Array, rows: number, width: number, batchSize = DEFAULT_PREDICT_BATCH): Float32Array {
  if (features.length !== rows * width) {
    throw new RangeError(`predict got ${features.length} feature values for ${rows} rows x ${width} columns`);
  }
  const scores = new Float32Array(rows);
  for (let start = 0; start < rows; start += batchSize) {
    const count = Math.min(batchSize, rows - start);
    const batch = features.subarray(start * width, (start + count) * width);
    const output = tf.tidy(() => model.predict(tf.tensor2d(batch, [count, width])) as tf.Tensor);
    try {
      scores.set(output.dataSync(), start);
    } finally {
      output.dispose();
    }
  }
  return scores;
}
