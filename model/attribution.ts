/**
 * Why one prediction came out as it did: gradient × input, computed with TensorFlow.js. For
 * each column of the feature vector, the output's gradient there times the value; for a linear
 * model this is exactly each term's contribution to the output's pre-activation.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Gradient × input of the model's output for each row of `features` (row-major, `width` wide),
 * with respect to the pre-activation output (the logit of a binary model), so contributions
 * add up on the scale the network sums them on.
 */
export function gradientTimesInput(layersModel: tf.LayersModel, features: Float32Array, rows: number, width: number): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor2d(features, [rows, width]);
    const logit = (x: tf.Tensor): tf.Scalar => preActivation(layersModel, x).sum();
    const gradient = tf.grad(logit)(input);
    return gradient.mul(input).dataSync() as Float32Array;
  });
}

/** The network's output before its final sigmoid (identity for regression). */
function preActivation(layersModel: tf.LayersModel, input: tf.Tensor): tf.Tensor {
  let hidden: tf.Tensor = input;
  const layers = layersModel.layers;
  layers.forEach((layer, index) => {
    const last = index === layers.length - 1;
    if (!last) {
      hidden = layer.apply(hidden, { training: false }) as tf.Tensor;
      return;
    }
    const [kernel, bias] = layer.getWeights();
    hidden = tf.matMul(hidden, kernel as tf.Tensor2D);
    if (bias) hidden = hidden.add(bias);
  });
  return hidden;
}
