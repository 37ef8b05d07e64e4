/** One registered version made ready to serve: its network and the feature transform it was trained with. */
import type * as tf from '@tensorflow/tfjs';
import type { Client } from 'minio';
import type { ModelVersion } from '../contracts/model.js';
import type { FeatureTransform } from '../features/feature-transform.js';
import { featureWidth, readFeatureTransform } from '../features/feature-transform.js';
import { getBuffer, getJson, uriOf } from '../infra/artifacts.js';
import { importModel } from '../model/index.js';

/** A version in memory. The model is shared by every request that version answers; the watch disposes it. */
export interface LoadedVersion {
  version: number;
  model: tf.LayersModel;
  /** The transform artifact of the training run: serving applies exactly this, so there is no skew. */
  transform: FeatureTransform;
  /** Length of the feature vector the transform produces and the model takes. */
  width: number;
}

/** A version's artifacts could not be loaded or do not fit together. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** Downloads and checks a version's model and transform. */
export async function loadVersion(storage: Client, entry: ModelVersion): Promise<LoadedVersion> {
  const describe = `version ${entry.version}`;
  let transform: FeatureTransform;
  try {
    const json = await getJson<unknown>(storage, entry.transform);
    if (json === undefined) throw new ModelLoadError(`${describe}: transform ${uriOf(entry.transform)} does not exist`);
    transform = readFeatureTransform(json);
  } catch (error) {
    throw wrap(error, `${describe}: cannot load transform ${uriOf(entry.transform)}`);
  }
  let model: tf.LayersModel;
  try {
    model = await importModel(await getBuffer(storage, entry.model));
  } catch (error) {
    throw wrap(error, `${describe}: cannot load model ${uriOf(entry.model)}`);
  }
  const width = featureWidth(transform);
  const expected = model.inputs[0]?.shape[1];
  if (expected !== width) {
    model.dispose();
    throw new ModelLoadError(`${describe}: the model takes ${String(expected)} features but its transform produces ${width}`);
  }
  return { version: entry.version, model, transform, width };
}

function wrap(error: unknown, context: string): ModelLoadError {
  if (error instanceof ModelLoadError) return error;
  return new ModelLoadError(`${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
