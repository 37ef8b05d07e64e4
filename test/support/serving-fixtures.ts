/** Real artifacts for model-server tests: a small network and a fitted transform in MinIO, and a registry naming them. */
import type * as tf from '@tensorflow/tfjs';
import type { BucketItem, Client } from 'minio';
import { registryRef } from '../../contracts/model.js';
import type { AliasName, ModelVersion, Registry } from '../../contracts/model.js';
import { BUCKETS } from '../../contracts/stack.js';
import type { FeatureTransform } from '../../features/feature-transform.js';
import { fitTransform } from '../../features/transform.js';
import { featureWidth } from '../../features/feature-transform.js';
import type { Row } from '../../features/values.js';
import { putBuffer, putJson } from '../../infra/artifacts.js';
import { readText } from '../../infra/storage.js';
import { buildNetwork, exportModel } from '../../model/index.js';

const CARRIERS = ['AA', 'DL', 'UA', 'WN'];

/** Flight-like rows: two numeric columns, one categorical, a binary label. Deterministic in `count`. */
export function flightRows(count: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    distance: 100 + ((i * 377) % 2400),
    hour: (i * 7) % 24,
    carrier: CARRIERS[i % CARRIERS.length] ?? 'AA',
    late: i % 3 === 0,
  }));
}

/** The transform every test version uses, fitted on 40 rows. */
export function fittedTransform(): FeatureTransform {
  return fitTransform(flightRows(40), {
    features: { numeric: ['distance', 'hour'], categorical: ['carrier'], impute: 'mean', maxVocabulary: 10 },
    label: { column: 'late', kind: 'binary' },
  });
}

/**
 * Builds a seeded network (weights differ by seed, so versions score differently), uploads it and
 * the transform under a prefix of the model, and returns the registry entry and the network itself.
 */
export async function publishVersion(storage: Client, model: string, version: number, transform: FeatureTransform): Promise<{ entry: ModelVersion; network: tf.LayersModel }> {
  const network = buildNetwork({ network: { kind: 'mlp', hidden: [8], dropout: 0 }, task: 'binary', inputWidth: featureWidth(transform), seed: version * 101 });
  const prefix = `tests/serving/${model}/v${version}`;
  const entry = versionEntry(model, version, { bucket: BUCKETS.artifacts, key: `${prefix}/model.bin` }, { bucket: BUCKETS.artifacts, key: `${prefix}/transform.json` });
  await putBuffer(storage, entry.model, await exportModel(network));
  await putJson(storage, entry.transform, transform);
  return { entry, network };
}

/** A registry entry pointing at the given artifacts (which need not exist). */
export function versionEntry(model: string, version: number, modelRef: ModelVersion['model'], transformRef: ModelVersion['transform']): ModelVersion {
  return {
    version,
    runId: `${model}-run-${version}`,
    pipeline: model,
    specHash: 'test',
    datasetVersion: 'test',
    backend: 'wasm',
    hyperparameters: {},
    metrics: { auc: 0.8 },
    blessed: true,
    blessingReason: 'test fixture',
    model: modelRef,
    transform: transformRef,
    registeredBy: { workflowId: `model:${model}`, runId: 'test' },
    createdAt: new Date().toISOString(),
  };
}

/** Writes the registry JSON where the model workflow would. */
export async function writeRegistry(storage: Client, model: string, versions: ModelVersion[], aliases: Partial<Record<AliasName, number>>): Promise<void> {
  const registry: Registry = { model, versions, aliases, history: [], runs: [], paused: false, decisions: [] };
  await putJson(storage, registryRef(model), registry);
}

/** Every JSON line of every log object under `<model>/<kind>/`, and the objects' keys. */
export async function readLog(storage: Client, model: string, kind: 'predictions' | 'outcomes', bucket: string = BUCKETS.logs): Promise<{ keys: string[]; lines: Record<string, unknown>[] }> {
  const keys: string[] = [];
  const listing = storage.listObjectsV2(bucket, `${model}/${kind}/`, true) as AsyncIterable<BucketItem>;
  for await (const item of listing) if (item.name) keys.push(item.name);
  const lines: Record<string, unknown>[] = [];
  for (const key of keys.sort()) {
    for (const line of (await readText(storage, bucket, key)).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  return { keys, lines };
}

/** Polls `check` until it holds, at most `attempts` times `everyMs` apart; fails naming what never happened. */
export async function eventually(what: string, check: () => Promise<boolean>, attempts = 150, everyMs = 100): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`gave up waiting: ${what}`);
}
