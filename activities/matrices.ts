import type { FeatureManifest } from '../contracts/pipeline-run.js';
import type { DataSplit } from '../model/index.js';
import type { ObjectStore } from '../storage/gateway.js';

/** Loads one transformed split (float32 features and labels) that the feature step stored. */
export async function loadSplit(storage: ObjectStore, feature: FeatureManifest, name: 'train' | 'validation' | 'test'): Promise<DataSplit> {
  const split = feature.splits[name];
  return {
    features: toFloat32(await storage.getBuffer(split.features)),
    labels: toFloat32(await storage.getBuffer(split.labels)),
    rows: split.rows,
    width: feature.width,
  };
}

function toFloat32(bytes: Buffer): Float32Array {
  // Copy into an aligned buffer: a Node Buffer may sit at any offset of a shared pool.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
