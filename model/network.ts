import * as tf from '@tensorflow/tfjs';
import { SeededDropout } from './seeded-dropout.js';

/** What is predicted: a probability of the positive class, or a real value. */
export type Task = 'binary' | 'regression';

/** The network's shape, as in the pipeline spec's `model` block. */
export type NetworkSpec =
  | {
      /** Dense ReLU layers, then the output unit. */
      kind: 'mlp';
      /** Units per hidden layer, input side first. */
      hidden: number[];
      /** Dropout rate after each hidden layer, in [0, 1); 0 adds no dropout layers. */
      dropout: number;
    }
  | {
      /** Logistic or linear regression: the output unit alone. `hidden` and `dropout` are ignored. */
      kind: 'linear';
      hidden?: number[];
      dropout?: number;
    };

export interface BuildNetworkOptions {
  network: NetworkSpec;
  task: Task;
  /** Number of input features per row. */
  inputWidth: number;
  /** Seeds every initializer and dropout mask, so a run is repeatable. */
  seed: number;
}

/** Builds the (uncompiled) network: seeded Glorot-uniform kernels, zero biases, one output unit. */
export function buildNetwork({ network, task, inputWidth, seed }: BuildNetworkOptions): tf.Sequential {
  const layersModel = tf.sequential({ name: 'ctrain_model' });
  const hidden = network.kind === 'mlp' ? network.hidden : [];
  const dropout = network.kind === 'mlp' ? network.dropout : 0;
  hidden.forEach((units, i) => {
    layersModel.add(
      tf.layers.dense({
        name: `hidden_${i + 1}`,
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        ...(i === 0 ? { inputShape: [inputWidth] } : {}),
      }),
    );
    if (dropout > 0) {
      layersModel.add(new SeededDropout({ name: `dropout_${i + 1}`, rate: dropout, seed: seed + 1000 + i }));
    }
  });
  layersModel.add(
    tf.layers.dense({
      name: 'output',
      units: 1,
      activation: task === 'binary' ? 'sigmoid' : 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + hidden.length }),
      ...(hidden.length === 0 ? { inputShape: [inputWidth] } : {}),
    }),
  );
  return layersModel;
}
