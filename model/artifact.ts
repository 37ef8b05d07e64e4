import * as tf from '@tensorflow/tfjs';
import { ModelFormatError } from './errors.js';
import { pack, unpack } from './pack.js';
// Registers the custom layer so topologies that use it can be loaded.
import './seeded-dropout.js';

const MODEL_KIND = 'model/1';

interface ModelHeader {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightSpecs: tf.io.WeightsManifestEntry[];
}

/** A tensor with the name it is saved under. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Weights as one binary blob plus the manifest (names, shapes, dtypes) that decodes it. */
export interface EncodedWeights {
  specs: tf.io.WeightsManifestEntry[];
  data: Uint8Array;
}

/** Serialises a model (topology and weights) into one self-contained buffer. */
export async function exportNetwork(layersModel: tf.LayersModel): Promise<Buffer> {
  let captured: tf.io.ModelArtifacts | undefined;
  await layersModel.save(
    tf.io.withSaveHandler((artifacts) => {
      captured = artifacts;
      return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) });
    }),
  );
  if (!captured?.modelTopology || !captured.weightSpecs || !captured.weightData) {
    throw new ModelFormatError('tfjs produced model artifacts without topology or weights');
  }
  const header: ModelHeader = { modelTopology: captured.modelTopology, weightSpecs: captured.weightSpecs };
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(captured.weightData));
  return pack(MODEL_KIND, header, { weights });
}

/** Loads a model written by {@link exportNetwork}. The model is not compiled. */
export async function importNetwork(bytes: Uint8Array): Promise<tf.LayersModel> {
  const { header, blobs } = unpack<ModelHeader>(MODEL_KIND, bytes);
  const weights = blobs.weights;
  if (!weights) throw new ModelFormatError('ctrain model has no weights blob');
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: header.modelTopology, weightSpecs: header.weightSpecs, weightData: toArrayBuffer(weights) }),
  );
}

/** Encodes named tensors (model weights, optimizer state) into one blob. */
export async function encodeWeights(tensors: NamedTensor[]): Promise<EncodedWeights> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return { specs, data: new Uint8Array(data) };
}

/** Decodes an {@link EncodedWeights} back into named tensors, in their original order. */
export function decodeWeights({ specs, data }: EncodedWeights): NamedTensor[] {
  const map = tf.io.decodeWeights(toArrayBuffer(data), specs);
  return specs.map(({ name }) => {
    const tensor = map[name];
    if (!tensor) throw new ModelFormatError(`Encoded weights lack '${name}'`);
    return { name, tensor };
  });
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength) return buffer;
  return bytes.slice().buffer;
}
