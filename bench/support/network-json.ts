/**
 * A ctrain network as plain JSON (each dense layer's kernel, bias and activation), so the serving
 * benchmark's FastAPI peer (bench/peers/serve_fastapi.py) can score the very same weights in PyTorch.
 */
import type * as tf from '@tensorflow/tfjs';

export type DenseActivation = 'relu' | 'sigmoid' | 'linear';

export interface NetworkJson {
  /** Input side first; each computes activation(x · kernel + bias). */
  layers: { kernel: number[][] /* inputs × units */; bias: number[]; activation: DenseActivation }[];
}

const ACTIVATIONS: readonly string[] = ['relu', 'sigmoid', 'linear'];
/** Identity at inference: ctrain's seeded dropout and tfjs's own. */
const DROPOUT = new Set(['CtrainSeededDropout', 'Dropout']);

/** The dense layers of a ctrain network (dropout skipped); throws for any layer it cannot express. */
export function networkJson(layersModel: tf.LayersModel): NetworkJson {
  const layers: NetworkJson['layers'] = [];
  for (const layer of layersModel.layers) {
    const type = layer.getClassName();
    if (DROPOUT.has(type)) continue;
    if (type !== 'Dense') throw new Error(`networkJson: layer "${layer.name}" is a ${type}; only Dense and dropout layers are supported`);
    const { activation = 'linear' } = layer.getConfig();
    if (typeof activation !== 'string' || !ACTIVATIONS.includes(activation)) {
      throw new Error(`networkJson: dense layer "${layer.name}" has activation ${JSON.stringify(activation)}; only ${ACTIVATIONS.join(', ')} are supported`);
    }
    const [kernel, bias, ...rest] = layer.getWeights();
    if (!kernel || !bias || rest.length > 0) throw new Error(`networkJson: dense layer "${layer.name}" must have a kernel and a bias`);
    layers.push({ kernel: kernel.arraySync() as number[][], bias: bias.arraySync() as number[], activation: activation as DenseActivation });
  }
  if (layers.length === 0) throw new Error('networkJson: the network has no dense layers');
  return { layers };
}
