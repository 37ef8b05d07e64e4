import * as tf from '@tensorflow/tfjs';

/** Rows scored per forward pass; bounds the memory one call holds at once. */
export const DEFAULT_PREDICT_BATCH = 4096;

/** A network's forward pass over `rows` rows of `width` features, row after row; run inside tf.tidy. */
type Forward = (features: Float32Array, rows: number, width: number) => tf.Tensor;

// The fused forward pass per loaded model, built once; it dies with the model.
const forwards = new WeakMap<tf.LayersModel, Forward>();

/**
 * Scores a row-major feature matrix: one output per row (a probability for binary models,
 * a value for regression). Runs in batches so large matrices do not become one huge tensor.
 */
export function predict(layersModel: tf.LayersModel, features: Float32Array, rows: number, width: number, batchSize = DEFAULT_PREDICT_BATCH): Float32Array {
  if (features.length !== rows * width) {
    throw new RangeError(`predict got ${features.length} feature values for ${rows} rows x ${width} columns`);
  }
  const forward = forwardOf(layersModel);
  const scores = new Float32Array(rows);
  for (let start = 0; start < rows; start += batchSize) {
    const count = Math.min(batchSize, rows - start);
    const batch = features.subarray(start * width, (start + count) * width);
    const output = tf.tidy(() => forward(batch, count, width));
    try {
      scores.set(output.dataSync(), start);
    } finally {
      output.dispose();
    }
  }
  return scores;
}

const FUSED_ACTIVATIONS = new Set(['linear', 'relu', 'sigmoid']);

/**
 * ctrain's networks are dense layers with dropout between them. At inference dropout is the
 * identity, and each dense layer is the fused matMul + bias + activation kernel that the layer
 * itself calls, so running those kernels directly gives the same numbers as `model.predict`
 * without the layers API's per-call bookkeeping (most of a one-row request's time). Any other
 * network goes through `model.predict`.
 */
function forwardOf(layersModel: tf.LayersModel): Forward {
  let forward = forwards.get(layersModel);
  if (forward) return forward;
  const dense: { kernel: tf.Tensor2D; bias: tf.Tensor1D; activation: 'linear' | 'relu' | 'sigmoid' }[] = [];
  let fusable = true;
  for (const layer of layersModel.layers) {
    const type = layer.getClassName();
    if (type === 'Dropout' || type === 'CtrainSeededDropout') continue;
    const config = layer.getConfig();
    const activation = typeof config.activation === 'string' ? config.activation : 'linear';
    const weights = layer.getWeights();
    if (type !== 'Dense' || !FUSED_ACTIVATIONS.has(activation) || weights.length !== 2) {
      fusable = false;
      break;
    }
    dense.push({ kernel: weights[0] as tf.Tensor2D, bias: weights[1] as tf.Tensor1D, activation: activation as 'linear' | 'relu' | 'sigmoid' });
  }
  // The fused kernel itself, as tf.fused.matMul calls it (batched: [1, rows, width]), without the
  // op's gradient wrapper and its reshapes of the input and output at every layer: the same
  // numbers, in about half the time of a one-row call here.
  const engine = tf.engine();
  const fused: Forward = (features, rows, width) =>
    dense.reduce<tf.Tensor>(
      (hidden, { kernel, bias, activation }) => engine.runKernel<tf.Tensor>(tf._FusedMatMul, { a: hidden, b: tf.reshape(kernel, [1, ...kernel.shape]), bias }, { transposeA: false, transposeB: false, activation }),
      tf.tensor3d(features, [1, rows, width]),
    );
  const layered: Forward = (features, rows, width) => layersModel.predict(tf.tensor2d(features, [rows, width])) as tf.Tensor;
  forward = fusable && dense.length > 0 ? fused : layered;
  forwards.set(layersModel, forward);
  return forward;
}
