/** Real artifacts for model-server tests: a small network and a fitted transform in MinIO, and a registry naming them. */
import type * as tf from '@tensorflow/tfjs';
import type { AliasName, ModelVersion, Registry } from '../../contracts/model.js';
import { REGISTRY_FORMAT } from '../../contracts/model.js';
import { BUCKETS } from '../../contracts/stack.js';
import type { PredictionRecord, PredictionRequestLine } from '../../contracts/prediction-log.js';
import { predictionRecordsOf } from '../../contracts/prediction-log.js';
import { applyTransform, fitTransform } from '../../features/transform.js';
import type { FeatureTransform } from '../../features/feature-transform.js';
import { featureWidth } from '../../features/feature-transform.js';
import type { InputRow } from '../../features/values.js';
import { buildNetwork, exportNetwork, predict } from '../../model/index.js';
import type { PipelineSpec } from '../../contracts/pipeline-spec.js';
import { loadPipeline } from '../../pipelines/index.js';
import { registryKeys } from '../../storage/layout.js';
import type { ObjectStore } from '../../storage/gateway.js';

const CARRIERS = ['AA', 'DL', 'UA', 'WN'];

/** Flight-like rows: two numeric columns, one categorical, a binary label. Deterministic in `count`. */
export function flightRows(count: number): InputRow[] {
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

/** What a test version's stored spec says about serving it. */
export interface ServingSettings {
  /** Its deploy.canaryPercent. Default 10. */
  canaryPercent?: number;
  /** Its personal columns. Default none. */
  personal?: string[];
}

/**
 * The spec a test version was "trained" with, as the registry stores it: the flight-delay spec
 * under the model's own name (no pipeline of that name ships), with the given serving settings.
 */
export function versionSpec(modelName: string, { canaryPercent = 10, personal }: ServingSettings = {}): PipelineSpec {
  const shipped = loadPipeline('flight-delay');
  return { ...shipped, name: modelName, deploy: { ...shipped.deploy, canaryPercent }, ...(personal ? { personal } : {}) };
}

/**
 * Builds a seeded network (weights differ by seed, so versions score differently), uploads it and
 * the transform under a prefix of the model, and returns the registry entry and the network itself.
 */
export async function publishVersion(storage: ObjectStore, modelName: string, version: number, transform: FeatureTransform, settings?: ServingSettings): Promise<{ entry: ModelVersion; layersModel: tf.LayersModel }> {
  const layersModel = buildNetwork({ network: { kind: 'mlp', hidden: [8], dropout: 0 }, task: 'binary', inputWidth: featureWidth(transform), seed: version * 101 });
  const prefix = `tests/serving/${modelName}/v${version}`;
  const entry = versionEntry(modelName, version, { bucket: BUCKETS.artifacts, key: `${prefix}/model.bin` }, { bucket: BUCKETS.artifacts, key: `${prefix}/transform.json` }, settings);
  await storage.putBuffer(entry.modelArtifact, await exportNetwork(layersModel));
  await storage.putJson(entry.transform, transform);
  return { entry, layersModel };
}

/** A registry entry pointing at the given artifacts (which need not exist). */
export function versionEntry(modelName: string, version: number, modelRef: ModelVersion['modelArtifact'], transformRef: ModelVersion['transform'], settings?: ServingSettings): ModelVersion {
  return {
    version,
    runId: `${modelName}-run-${version}`,
    pipeline: modelName,
    specHash: 'test',
    spec: versionSpec(modelName, settings),
    datasetVersion: 'test',
    backend: 'wasm',
    hyperparameters: {},
    metrics: { auc: 0.8 },
    blessed: true,
    blessingReason: 'test fixture',
    modelArtifact: modelRef,
    transform: transformRef,
    registeredBy: { workflowId: `model:${modelName}`, runId: 'test' },
    createdAt: new Date().toISOString(),
  };
}

/** Writes the registry JSON where the model workflow would. */
export async function writeRegistry(storage: ObjectStore, modelName: string, versions: ModelVersion[], aliases: Partial<Record<AliasName, number>>): Promise<void> {
  const registry: Registry = { format: REGISTRY_FORMAT, modelName, versions, aliases, history: [], runs: [], paused: false, decisions: [] };
  await storage.putJson(registryKeys.registry(modelName), registry);
}

/** Every JSON line of every log object under `<model>/<kind>/`, and the objects' keys. */
/** The log's objects of one kind for the model, and their records in key order: a line holding a request's predictions gives one record per prediction, as readers see them. */
export async function readLog(storage: ObjectStore, modelName: string, kind: 'predictions' | 'outcomes', bucket: string = BUCKETS.logs): Promise<{ keys: string[]; lines: Record<string, unknown>[] }> {
  const keys = await storage.listKeys({ bucket, prefix: `${modelName}/${kind}/` });
  const lines: Record<string, unknown>[] = [];
  for (const key of keys.sort()) {
    for (const line of (await storage.getText({ bucket: bucket, key: key })).split('\n')) {
      if (!line) continue;
      const parsed = JSON.parse(line) as PredictionRecord | PredictionRequestLine;
      lines.push(...((kind === 'predictions' ? predictionRecordsOf(parsed) : [parsed]) as unknown as Record<string, unknown>[]));
    }
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

/** What predict() gives for the rows through the transform, without a server: what a served version must answer. */
export function directScores(layersModel: tf.LayersModel, transform: FeatureTransform, rows: readonly InputRow[]): number[] {
  const width = featureWidth(transform);
  const features = new Float32Array(rows.length * width);
  rows.forEach((row, i) => features.set(applyTransform(transform, row).features, i * width));
  return Array.from(predict(layersModel, features, rows.length, width));
}
