/**
 * Format 3 of the registry and of step manifests gave each meaning of "model" its own field name:
 * a model's name is `modelName`, the stored network is `modelArtifact`, the spec's section that
 * describes the network is `network`. Records written before (formats 1 and 2), and workflow
 * inputs and results that earlier code put into Temporal's histories, still use `model`; these
 * functions bring them to today's names. Pure, so workflows apply them while replaying too.
 */
import type { ModelVersion, Registry } from './model.js';
import type { ModelRef, StepManifestBase } from './pipeline-run.js';

/** `value` with its `from` field under the name `to`, when only the old name is there; anything else as it is. */
export function renamedField<T>(value: T, from: string, to: string): T {
  if (typeof value !== 'object' || value === null || !(from in value) || to in value) return value;
  const { [from]: moved, ...rest } = value as Record<string, unknown>;
  return { ...rest, [to]: moved } as T;
}

/** A spec stored or carried before format 3, whose network section was called `model`. */
export const specWithNetwork = <T>(spec: T): T => renamedField(spec, 'model', 'network');

/**
 * A registered version of format 1 or 2. Its stored spec is renamed too, so it no longer hashes to
 * the `specHash` it was registered with: that hash stays the record of what was trained.
 */
export function versionOfFormatTwo(version: ModelVersion): ModelVersion {
  const renamed = renamedField(version, 'model', 'modelArtifact');
  return {
    ...renamed,
    ...(renamed.spec ? { spec: specWithNetwork(renamed.spec) } : {}),
    hyperparameters: renamedField(renamed.hyperparameters, 'model', 'network'),
  };
}

/** A registry of format 1 or 2. */
export function registryOfFormatTwo(registry: Registry): Registry {
  const renamed = renamedField(registry, 'model', 'modelName');
  return { ...renamed, versions: renamed.versions.map(versionOfFormatTwo) };
}

/** A step manifest of format 1 or 2: the train step's network artifact was `model`. */
export const manifestOfFormatTwo = <T extends StepManifestBase>(manifest: T): T => (manifest.step === 'train' ? renamedField(manifest, 'model', 'modelArtifact') : manifest);

/** A production model's artifacts as an earlier model workflow passed them to a pipeline run. */
export const modelRefOfFormatTwo = (ref: ModelRef): ModelRef => renamedField(ref, 'model', 'modelArtifact');

/** A workflow input that named its model `model` (model, drift-check, retrain and batch-score workflows, and their schedules). */
export const inputWithModelName = <T>(input: T): T => renamedField(input, 'model', 'modelName');

/** A pipeline run's result as an earlier pipeline workflow returned it into the model workflow's history. */
export const runResultOfFormatTwo = <T extends { spec: unknown; train: StepManifestBase }>(result: T): T => ({ ...result, spec: specWithNetwork(result.spec), train: manifestOfFormatTwo(result.train) });
