import { totalmem } from 'node:os';
import type { FeatureManifest } from '../contracts/pipeline-run.js';
import { uriOf } from '../contracts/pipeline-run.js';
import { expandRows, RowEncodingError } from '../features/row-encoding.js';
import type { DataSplit } from '../model/index.js';
import type { TableRow } from '../tabular/index.js';
import { readParquetBytes } from '../tabular/read-parquet.js';
import type { ObjectStore } from '../storage/gateway.js';

/** Loads one transformed split (float32 features and labels) that the feature step stored, its rows expanded to dense ones. */
export async function loadSplit(storage: ObjectStore, feature: FeatureManifest, name: 'train' | 'validation' | 'test'): Promise<DataSplit> {
  const split = feature.splits[name];
  const stored = toFloat32(await storage.getBuffer(split.features));
  return {
    features: feature.rowEncoding ? expanded(feature.rowEncoding, stored, split.rows, uriOf(split.features)) : stored,
    labels: toFloat32(await storage.getBuffer(split.labels)),
    rows: split.rows,
    width: feature.width,
  };
}

/**
 * Why these splits cannot be loaded as dense rows on this machine, or undefined when they can:
 * each category is a slot of its own there, so many categorical features with large vocabularies
 * make rows tens of thousands of floats wide. Past this machine's whole memory no retry can help,
 * so the step says so, with what would shrink them, instead of failing to allocate again and again.
 */
export function denseSplitsProblem(feature: FeatureManifest, names: readonly ('train' | 'validation' | 'test')[], memoryBytes = totalmem()): string | undefined {
  const rows = names.reduce((sum, name) => sum + feature.splits[name].rows, 0);
  const bytes = rows * feature.width * Float32Array.BYTES_PER_ELEMENT;
  if (bytes <= memoryBytes) return undefined;
  const size = (value: number): string => (value >= 2 ** 30 ? `${(value / 2 ** 30).toFixed(1)} GiB` : `${(value / 2 ** 20).toFixed(1)} MiB`);
  const categorical = feature.rowEncoding?.blocks.length ?? 0;
  return (
    `the ${names.join(' and ')} rows as the network reads them (${rows} rows of ${feature.width} float32 features, every category a feature of its own) take ${size(bytes)}, more than this machine's ${size(memoryBytes)} of memory. ` +
    `${categorical > 0 ? `Fewer categorical features (${categorical} now) or a lower feature.maxVocabulary, or fewer rows,` : 'Fewer features or fewer rows'} would make them fit`
  );
}

/** One split's labels alone (float32), without reading its features. */
export async function loadLabels(storage: ObjectStore, feature: FeatureManifest, name: 'train' | 'validation' | 'test'): Promise<Float32Array> {
  return toFloat32(await storage.getBuffer(feature.splits[name].labels));
}

/** The test split's raw rows, as the feature step kept them for evaluation and drift. */
export async function readTestRows(storage: ObjectStore, feature: FeatureManifest): Promise<TableRow[]> {
  return testRowsOf(feature, await storage.getBuffer(feature.testRows));
}

/** The test rows in the bytes of the feature step's test-rows object. */
export async function testRowsOf(feature: FeatureManifest, bytes: Buffer): Promise<TableRow[]> {
  // The engine writes them as Parquet; the row-by-row path, and feature steps before the engine, as JSON Lines.
  if (feature.testRows.key.endsWith('.parquet')) return readParquetBytes(uriOf(feature.testRows), bytes);
  return bytes.toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as TableRow);
}

function expanded(encoding: NonNullable<FeatureManifest['rowEncoding']>, stored: Float32Array, rows: number, uri: string): Float32Array {
  try {
    return expandRows(encoding, stored, rows);
  } catch (error) {
    throw error instanceof RowEncodingError ? new RowEncodingError(`${uri}: ${error.message}`) : error;
  }
}

function toFloat32(bytes: Buffer): Float32Array {
  // Copy into an aligned buffer: a Node Buffer may sit at any offset of a shared pool.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
