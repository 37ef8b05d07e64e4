/** One registered version made ready to serve: its network and the feature transform it was trained with. */
import type * as tf from '@tensorflow/tfjs';
import type { ModelVersion } from '../contracts/model.js';
import type { FeatureTransform } from '../features/feature-transform.js';
import { featureWidth, readFeatureTransform } from '../features/feature-transform.js';
import { importNetwork } from '../model/index.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import type { FormatOneSpecs, VersionSpec } from '../contracts/version-spec.js';
import { specOfVersion } from '../contracts/version-spec.js';
import { PSEUDONYM_KEY_VARIABLE, PseudonymKeyError, pseudonymizeRow } from '../privacy/pseudonym.js';
import { uriOf } from '../contracts/pipeline-run.js';
import type { ObjectStore } from '../storage/gateway.js';

/** A version in memory. The model is shared by every request that version answers; the watch disposes it. */
export interface LoadedVersion {
  version: number;
  layersModel: tf.LayersModel;
  /** The transform artifact of the training run: serving applies exactly this, so there is no skew. */
  transform: FeatureTransform;
  /** Length of the feature vector the transform produces and the model takes. */
  width: number;
  /** The spec it was trained with, from the registry: its settings, not today's code's, apply to it. */
  spec: VersionSpec;
  /** Share of a model's requests this version takes while it is the canary, in percent (its spec's deploy.canaryPercent). */
  canaryPercent: number;
  /** The rows as the model learned them: its spec's personal columns replaced by their keyed hash, as ingest stored them. */
  scoringRows(rows: readonly unknown[]): readonly unknown[];
}

/** A version's artifacts could not be loaded or do not fit together. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export interface LoadOptions {
  /** Key of the hash of personal columns; a version whose spec has them does not load without it. */
  pseudonymKey?: Buffer;
  /** Specs for versions registered without theirs (registry format 1); without them such versions do not load. */
  formatOne?: FormatOneSpecs;
}

/**
 * Downloads and checks a version's model and transform, with the settings of the spec it was
 * trained with. A version with personal columns needs the pseudonym key it was trained with.
 */
export async function loadVersion(storage: ObjectStore, entry: ModelVersion, { pseudonymKey, formatOne }: LoadOptions = {}): Promise<LoadedVersion> {
  const describe = `version ${entry.version}`;
  const spec = specOfVersion(entry, formatOne);
  const scoringRows = pseudonymizer(spec.spec, pseudonymKey);
  let transform: FeatureTransform;
  try {
    const json = await storage.getJson<unknown>(entry.transform);
    if (json === undefined) throw new ModelLoadError(`${describe}: transform ${uriOf(entry.transform)} does not exist`);
    transform = readFeatureTransform(json);
  } catch (error) {
    throw wrap(error, `${describe}: cannot load transform ${uriOf(entry.transform)}`);
  }
  let layersModel: tf.LayersModel;
  try {
    layersModel = await importNetwork(await storage.getBuffer(entry.modelArtifact));
  } catch (error) {
    throw wrap(error, `${describe}: cannot load model ${uriOf(entry.modelArtifact)}`);
  }
  const width = featureWidth(transform);
  const expected = layersModel.inputs[0]?.shape[1];
  if (expected !== width) {
    layersModel.dispose();
    throw new ModelLoadError(`${describe}: the model takes ${String(expected)} features but its transform produces ${width}`);
  }
  return { version: entry.version, layersModel, transform, width, spec, canaryPercent: spec.spec.deploy.canaryPercent, scoringRows };
}

/** Hashes the spec's personal columns with the key, as ingest did for training; refuses personal columns without a key. */
function pseudonymizer(spec: PipelineSpec, key: Buffer | undefined): LoadedVersion['scoringRows'] {
  const personal = spec.personal ?? [];
  if (personal.length === 0) return (rows) => rows;
  if (!key) throw new PseudonymKeyError(`model "${spec.name}" has personal columns (${personal.join(', ')}) and no pseudonym key is set: set ${PSEUDONYM_KEY_VARIABLE} or ${PSEUDONYM_KEY_VARIABLE}_FILE, so they are scored and logged as the keyed hash it was trained with`);
  return (rows) => rows.map((row) => pseudonymizeRow(row, personal, key));
}

function wrap(error: unknown, context: string): ModelLoadError {
  if (error instanceof ModelLoadError) return error;
  return new ModelLoadError(`${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
