/**
 * A stack made by an earlier ctrain keeps working: a registry and step manifests written in format
 * 1 (committed as recorded from a real run of the seattle-live demo, before formats were written)
 * are read by every reader of today, served, resumed from and carried on; a format newer than this
 * code knows is refused rather than misread.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRunRecordActivities } from '../../activities/run-record.js';
import { reuseCached } from '../../activities/step-cache.js';
import type { Registry } from '../../contracts/model.js';
import { REGISTRY_FORMAT } from '../../contracts/model.js';
import type { PipelineRunResult, StepManifest, StepName, TrainManifest } from '../../contracts/pipeline-run.js';
import { MANIFEST_FORMAT } from '../../contracts/pipeline-run.js';
import { PREDICTION_LOG_FORMAT } from '../../contracts/prediction-log.js';
import { RegistryFormatError } from '../../contracts/registry-format.js';
import { renamedField } from '../../contracts/format-renames.js';
import { listRegistries } from '../../clients/registry-reader.js';
import { readLog } from '../../infra/prediction-logs.js';
import { loadRegistry } from '../../infra/registry-store.js';
import { selectBackend } from '../../model/index.js';
import { loadPipeline, specHash } from '../../pipelines/index.js';
import { specOfVersion, VersionSpecError } from '../../contracts/version-spec.js';
import { shippedSpecs } from '../../pipelines/format-one-specs.js';
import type { ModelServer } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { ObjectStore } from '../../storage/gateway.js';
import { logKeys, registryKeys, runKeys, stepKeys } from '../../storage/layout.js';
import { ModelState } from '../../workflows/model-state.js';
import { fittedTransform, flightRows, publishVersion } from '../support/serving-fixtures.js';

const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
const fixture = (name: string, format = 1): string => readFileSync(new URL(`../fixtures/format-${format}/${name}`, import.meta.url), 'utf8');
const servers: ModelServer[] = [];

beforeAll(async () => {
  await selectBackend();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

/** The recorded registry under a model name of this test's own (the fixture's artifacts are swapped for ones in this stack). */
async function storedFormatOneRegistry(): Promise<{ model: string; registry: Registry }> {
  const recorded = JSON.parse(fixture('registry.json')) as Registry;
  expect(recorded.format).toBeUndefined();
  expect(recorded.versions.every((version) => version.spec === undefined)).toBe(true);
  const modelName = `format-one-${randomUUID().slice(0, 8)}`;
  const transform = fittedTransform();
  const versions = await Promise.all(
    recorded.versions.map(async (version) => {
      const { entry, layersModel } = await publishVersion(storage, modelName, version.version, transform);
      layersModel.dispose();
      return { ...version, model: entry.modelArtifact, transform: entry.transform };
    }),
  );
  const registry = { ...recorded, model: modelName, versions };
  await storage.putJson(registryKeys.registry(modelName), registry);
  return { model: modelName, registry };
}

describe('data written by the previous format', () => {
  it('a format-1 registry is read, its versions resolved by their pipeline, served, and carried on in today’s format', async () => {
    const { model: modelName, registry } = await storedFormatOneRegistry();

    const read = (await loadRegistry(storage, modelName))!;
    expect(read.format).toBe(REGISTRY_FORMAT);
    expect(read.aliases).toEqual({ production: 2, previous: 1 });
    expect(read.versions.map((version) => [version.version, version.runId, version.specHash])).toEqual(registry.versions.map((version) => [version.version, version.runId, version.specHash]));

    // Without a stored spec, a version is read with the spec of its pipeline in this code, and says so.
    const production = read.versions[1]!;
    expect(() => specOfVersion(production)).toThrow(VersionSpecError);
    const resolved = specOfVersion(production, shippedSpecs);
    expect(resolved).toMatchObject({ source: 'code', spec: { name: 'seattle-live' } });
    // Format 1 hashed the spec with its network section under its old name.
    expect(resolved.sameAsTrained).toBe(specHash(renamedField(loadPipeline('seattle-live'), 'network', 'model')) === production.specHash);

    const server = await createModelServer({ storage, models: [modelName], pollMs: 100, formatOneSpecs: shippedSpecs });
    servers.push(server);
    const reply = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/predict`, payload: { rows: flightRows(2) } });
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.json<{ predictions: { version: number; alias: string }[] }>().predictions.map((p) => [p.version, p.alias])).toEqual([[2, 'production'], [2, 'production']]);

    // The model workflow carries it on: new versions carry their spec, the old ones stay as they were.
    const state = new ModelState(modelName, read);
    const spec = loadPipeline('seattle-live');
    const result = { runId: `${modelName}.train.3`, pipeline: 'seattle-live', spec, specHash: specHash(spec), datasetVersion: 'd', train: { modelArtifact: { bucket: 'b', key: 'm' }, backend: 'wasm' }, feature: { transform: { bucket: 'b', key: 't' } }, evaluate: { metrics: {}, blessed: true, reason: 'ok' } } as unknown as PipelineRunResult;
    const added = state.register(result, { workflowId: `model:${modelName}`, runId: 'r' }, {}, new Date().toISOString());
    expect(added.version).toBe(3);
    expect(added.spec).toEqual(spec);
    expect(state.registry.format).toBe(REGISTRY_FORMAT);
    expect(state.registry.versions.slice(0, 2).map((version) => version.spec)).toEqual([undefined, undefined]);
  });

  it('a format-2 registry (written by the code before format 3) is read with today’s field names and served from its stored spec', async () => {
    const recorded = JSON.parse(fixture('registry.json', 2)) as Record<string, unknown> & { versions: Record<string, unknown>[] };
    // As format 2 wrote it: the model's name, each version's network and the spec's network section were all `model`.
    expect(recorded).toMatchObject({ format: 2, model: 'seattle-live' });
    const stored = recorded.versions.at(-1) as { model: unknown; spec: { model: unknown }; hyperparameters: { model: unknown } };
    expect([stored.model, stored.spec.model, stored.hyperparameters.model].every((value) => value !== undefined)).toBe(true);

    const modelName = `format-two-${randomUUID().slice(0, 8)}`;
    const transform = fittedTransform();
    const versions = await Promise.all(
      recorded.versions.map(async (version) => {
        const { entry, layersModel } = await publishVersion(storage, modelName, version.version as number, transform);
        layersModel.dispose();
        return { ...version, model: entry.modelArtifact, transform: entry.transform };
      }),
    );
    await storage.putJson(registryKeys.registry(modelName), { ...recorded, model: modelName, versions });

    const read = (await loadRegistry(storage, modelName))!;
    expect(read).toMatchObject({ format: REGISTRY_FORMAT, modelName, aliases: { production: 3, previous: 2 } });
    expect(read).not.toHaveProperty('model');
    const production = read.versions.at(-1)!;
    expect(production.modelArtifact).toEqual(versions.at(-1)!.model);
    expect(production).not.toHaveProperty('model');
    expect(production.spec?.network).toEqual(stored.spec.model);
    expect(production.spec).not.toHaveProperty('model');
    expect(production.hyperparameters).toEqual({ network: stored.hyperparameters.model, training: production.spec?.training });
    // The stored spec resolves the version (no code spec needed), with the overrides it was trained with.
    expect(specOfVersion(production)).toMatchObject({ source: 'registry', spec: { name: 'seattle-live', training: { epochs: 7 } } });

    const server = await createModelServer({ storage, models: [modelName], pollMs: 100 });
    servers.push(server);
    const reply = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/predict`, payload: { rows: flightRows(2) } });
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.json<{ predictions: { version: number }[] }>().predictions.map((p) => p.version)).toEqual([3, 3]);
  });

  it('a format-2 train manifest is reused from the step cache with its network under today’s name', async () => {
    const recorded = JSON.parse(fixture('train-manifest.json', 2)) as StepManifest & { model: unknown };
    expect(recorded).toMatchObject({ format: 2, step: 'train' });
    const cacheKey = `formattwo${randomUUID().replace(/-/g, '').slice(0, 23)}`;
    await storage.putJson(stepKeys.manifest('train', cacheKey), recorded);
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const reused = await env.run(async (): Promise<TrainManifest | undefined> => reuseCached<TrainManifest>(storage, 'train', cacheKey, undefined));
    expect(reused?.modelArtifact).toEqual(recorded.model);
    expect(reused).not.toHaveProperty('model');
  });

  it('a registry of a newer format is refused, naming the formats this code reads', async () => {
    const modelName = `format-new-${randomUUID().slice(0, 8)}`;
    await storage.putJson(registryKeys.registry(modelName), { format: REGISTRY_FORMAT + 1, modelName, versions: [], aliases: {} });
    await expect(loadRegistry(storage, modelName)).rejects.toThrow(RegistryFormatError);
    await expect(loadRegistry(storage, modelName)).rejects.toThrow(`has format ${REGISTRY_FORMAT + 1}; this ctrain reads formats 1 to ${REGISTRY_FORMAT}`);
    // Listing every model sets it aside, naming why, and still lists the others.
    const { registries, unreadable } = await listRegistries(storage);
    expect(unreadable).toContainEqual({ modelName, reason: expect.stringContaining(`has format ${REGISTRY_FORMAT + 1}`) as unknown });
    expect(registries.map((registry) => registry.modelName)).not.toContain(modelName);
    expect(registries.length).toBeGreaterThan(0);
  });

  it('format-1 step manifests are resumed from and reused from the step cache; a newer one fails for good', async () => {
    const recorded = JSON.parse(fixture('run-steps.json')) as { runId: string; steps: Record<StepName, StepManifest> };
    const steps = Object.values(recorded.steps);
    expect(steps.map((manifest) => manifest.step)).toEqual(['ingest', 'validate', 'feature', 'train', 'evaluate']);
    expect(steps.every((manifest) => manifest.format === undefined)).toBe(true);
    const runId = `format-one.train.${randomUUID().slice(0, 8)}`;
    for (const manifest of steps) await storage.putJson(runKeys.step(runId, manifest.step), manifest);
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const activities = createRunRecordActivities({ storage } as Parameters<typeof createRunRecordActivities>[0]);

    // Read as recorded, but for the train step's network, which today is `modelArtifact`.
    const { model: network, ...trainRest } = recorded.steps.train as StepManifest & { model: unknown };
    const train = { ...trainRest, modelArtifact: network } as TrainManifest;
    expect(await env.run(() => activities.loadRunSteps({ runId }))).toEqual({ ...recorded.steps, train });

    const cacheKey = `formatone${randomUUID().replace(/-/g, '').slice(0, 23)}`;
    await storage.putJson(stepKeys.manifest('train', cacheKey), recorded.steps.train);
    expect(await env.run(() => reuseCached(storage, 'train', cacheKey, undefined))).toEqual({ ...train, cached: true, reusedBy: 'cache' });

    // What this code writes is today’s format, and reads back the same.
    await env.run(() => activities.recordRunStep({ runId, manifest: train }));
    expect(await storage.getJson(runKeys.step(runId, 'train'))).toEqual({ ...train, format: MANIFEST_FORMAT });

    await storage.putJson(stepKeys.manifest('train', cacheKey), { ...train, format: MANIFEST_FORMAT + 1 });
    await expect(env.run(() => reuseCached(storage, 'train', cacheKey, undefined))).rejects.toMatchObject({ nonRetryable: true, message: expect.stringContaining(`has format ${MANIFEST_FORMAT + 1}`) as unknown });
  });

  it('prediction-log lines without a format, of format 2 (one prediction each) and of today’s (a request each) are read alike; a newer format is refused', async () => {
    const modelName = `format-log-${randomUUID().slice(0, 8)}`;
    const at = new Date().toISOString();
    const day = at.slice(0, 10);
    const old = { id: 'p1', at, model: modelName, version: 1, alias: 'production', requestId: 'r', input: { x: 1 }, score: 0.3 };
    // Format 2: a line per prediction; today's: a line per request, its predictions in lists side by side.
    const two = { ...old, id: 'p2', format: 2 };
    const today = { at, model: modelName, version: 1, alias: 'production', requestId: 'r', format: PREDICTION_LOG_FORMAT, ids: ['p3', 'p4'], inputs: [{ x: 3 }, { x: 4 }], scores: [0.5, null] };
    await storage.putBuffer(logKeys.batch(modelName, 'predictions', day, new Date(), 'aaaaaaaa'), Buffer.from(`${JSON.stringify(old)}\n${JSON.stringify(two)}\n${JSON.stringify(today)}\n`));
    const records = await readLog<{ id: string; input: unknown; score: number | null; requestId: string }>(storage, modelName, 'predictions', at, at);
    expect(records.map(({ id, input, score, requestId }) => [id, input, score, requestId])).toEqual([
      ['p1', { x: 1 }, 0.3, 'r'],
      ['p2', { x: 1 }, 0.3, 'r'],
      ['p3', { x: 3 }, 0.5, 'r'],
      ['p4', { x: 4 }, null, 'r'],
    ]);

    await storage.putBuffer(logKeys.batch(modelName, 'predictions', day, new Date(), 'bbbbbbbb'), Buffer.from(`${JSON.stringify({ ...old, id: 'p3', format: PREDICTION_LOG_FORMAT + 1 })}\n`));
    await expect(readLog(storage, modelName, 'predictions', at, at)).rejects.toThrow(`has format ${PREDICTION_LOG_FORMAT + 1}`);
  });
});
