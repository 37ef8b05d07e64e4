import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputWithModelName, manifestOfFormatTwo, modelRefOfFormatTwo, registryOfFormatTwo, renamedField, runResultOfFormatTwo, specWithNetwork } from '../../contracts/format-renames.js';
import type { ModelVersion, Registry } from '../../contracts/model.js';
import type { PipelineSpec } from '../../contracts/pipeline-spec.js';
import { shippedSpecs } from '../../pipelines/format-one-specs.js';
import { REGISTRY_FORMAT } from '../../contracts/model.js';
import type { ModelRef, StepManifestBase, TrainManifest } from '../../contracts/pipeline-run.js';
import { readRegistry } from '../../contracts/registry-format.js';
import { loadPipeline, parsePipelineSpec, PipelineSpecError, specHash } from '../../pipelines/index.js';

const artifact = { bucket: 'ctrain-artifacts', key: 'steps/train/k/model.bin' };
const formatTwo = (): Registry => JSON.parse(readFileSync(new URL('../fixtures/format-2/registry.json', import.meta.url), 'utf8')) as Registry;

describe('the format-3 field names', () => {
  it('move a field only when the old name alone is there', () => {
    expect(renamedField({ model: 'a', other: 1 }, 'model', 'modelName')).toEqual({ modelName: 'a', other: 1 });
    // Today's records, and ones that somehow carry both, are left as they are.
    const current = { modelName: 'a' };
    expect(renamedField(current, 'model', 'modelName')).toBe(current);
    expect(renamedField({ model: 'old', modelName: 'new' }, 'model', 'modelName')).toEqual({ model: 'old', modelName: 'new' });
    for (const value of [undefined, null, 'model', 3]) expect(renamedField(value, 'model', 'modelName')).toBe(value);
  });

  it('bring a format-2 registry to today’s names: the model’s name, each version’s network, its stored spec and hyperparameters', () => {
    const stored = formatTwo();
    const upgraded = registryOfFormatTwo(stored);
    const raw = stored as unknown as { model: string; versions: { model: unknown; spec?: { model: unknown } }[] };
    expect(upgraded.modelName).toBe(raw.model);
    expect(upgraded).not.toHaveProperty('model');
    expect(upgraded.versions.map((version) => version.modelArtifact)).toEqual(raw.versions.map((version) => version.model));
    expect(upgraded.versions.every((version) => !('model' in version) && !('model' in version.hyperparameters))).toBe(true);
    const withSpec = upgraded.versions.at(-1)!;
    expect(withSpec.spec?.network).toEqual(raw.versions.at(-1)!.spec!.model);
    expect(withSpec.spec).not.toHaveProperty('model');
    // Versions registered without a spec stay without one.
    expect(upgraded.versions.slice(0, 2).map((version) => version.spec)).toEqual([undefined, undefined]);
    // Applying it again changes nothing: workflows apply it to whatever they carry.
    expect(registryOfFormatTwo(upgraded)).toEqual(upgraded);
  });

  it('are what readRegistry returns for formats 1 and 2, and a format-3 registry is read as it is', () => {
    const read = readRegistry(formatTwo(), 'seattle-live');
    expect(read).toEqual({ ...registryOfFormatTwo(formatTwo()), format: REGISTRY_FORMAT });
    expect(readRegistry({ ...read }, 'seattle-live')).toEqual(read);
    // The name check applies to the renamed field: another model's registry is still refused.
    expect(() => readRegistry(formatTwo(), 'flight-delay')).toThrow('registry under "flight-delay/" names model "seattle-live"');
    expect(() => readRegistry({ ...read, modelName: 'flight-delay' }, 'seattle-live')).toThrow('names model "flight-delay"');
  });

  it('rename the train manifest’s network artifact and nothing in other steps’ manifests', () => {
    const train = { step: 'train', cacheKey: 'k', cached: false, model: artifact } as unknown as TrainManifest;
    expect(manifestOfFormatTwo(train)).toEqual({ step: 'train', cacheKey: 'k', cached: false, modelArtifact: artifact });
    const feature = { step: 'feature', cacheKey: 'k', cached: false, model: 'kept' } as unknown as StepManifestBase;
    expect(manifestOfFormatTwo(feature)).toBe(feature);
  });

  it('bring what an earlier model workflow passed or got back in its history to today’s names', () => {
    expect(modelRefOfFormatTwo({ version: 2, model: artifact, transform: artifact } as unknown as ModelRef)).toEqual({ version: 2, modelArtifact: artifact, transform: artifact });
    expect(inputWithModelName({ model: 'flight-delay', continueAsNewAfterRuns: 3 })).toEqual({ modelName: 'flight-delay', continueAsNewAfterRuns: 3 });
    const spec = loadPipeline('flight-delay');
    const { network, ...rest } = spec;
    const result = runResultOfFormatTwo({ runId: 'r', spec: { ...rest, model: network }, train: { step: 'train', cacheKey: 'k', cached: false, model: artifact } as unknown as TrainManifest });
    expect(result.spec).toEqual(spec);
    expect(result.train.modelArtifact).toEqual(artifact);
    expect(specWithNetwork(spec)).toBe(spec);
  });

  it('a format-1 version is the shipped spec’s when it hashed that spec as format 1 did, with the network section under `model`', () => {
    const spec = loadPipeline('seattle-live');
    const { network, ...rest } = spec;
    const version = (specHash: string) => ({ pipeline: 'seattle-live', specHash }) as ModelVersion;
    expect(shippedSpecs(version(specHash({ ...rest, model: network } as unknown as PipelineSpec)))).toEqual({ spec, source: 'code', sameAsTrained: true });
    expect(shippedSpecs(version(specHash(loadPipeline('seattle-live', { training: { epochs: 3 } }))))).toMatchObject({ sameAsTrained: false });
    expect(shippedSpecs({ pipeline: 'not-shipped', specHash: 'x' } as ModelVersion)).toBeUndefined();
  });

  it('a spec written with the old section name is refused with the new name in the message', () => {
    const { network, ...rest } = loadPipeline('flight-delay');
    expect(() => parsePipelineSpec({ ...rest, model: network })).toThrow(PipelineSpecError);
    expect(() => parsePipelineSpec({ ...rest, model: network })).toThrow('model: is now called network (same fields)');
    // Only at the top level: elsewhere an unknown `model` is just an unknown field.
    expect(() => parsePipelineSpec({ ...rest, network, training: { ...rest.training, model: 1 } })).toThrow('training.model: is not a field of the spec (misspelt?)');
  });
});
