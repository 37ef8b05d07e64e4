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
import type { PipelineRunResult, StepManifest, StepName } from '../../contracts/pipeline-run.js';
import { MANIFEST_FORMAT } from '../../contracts/pipeline-run.js';
import { PREDICTION_LOG_FORMAT } from '../../contracts/prediction-log.js';
import { RegistryFormatError } from '../../contracts/registry-format.js';
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
const fixture = (name: string): string => readFileSync(new URL(`../fixtures/format-1/${name}`, import.meta.url), 'utf8');
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
  const model = `format-one-${randomUUID().slice(0, 8)}`;
  const transform = fittedTransform();
  const versions = await Promise.all(
    recorded.versions.map(async (version) => {
      const { entry, network } = await publishVersion(storage, model, version.version, transform);
      network.dispose();
      return { ...version, model: entry.model, transform: entry.transform };
    }),
  );
  const registry = { ...recorded, model, versions };
  await storage.putJson(registryKeys.registry(model), registry);
  return { model, registry };
}

describe('data written by the previous format', () => {
  it('a format-1 registry is read, its versions resolved by their pipeline, served, and carried on as format 2', async () => {
    const { model, registry } = await storedFormatOneRegistry();

    const read = (await loadRegistry(storage, model))!;
    expect(read.format).toBe(REGISTRY_FORMAT);
    expect(read.aliases).toEqual({ production: 2, previous: 1 });
    expect(read.versions.map((version) => [version.version, version.runId, version.specHash])).toEqual(registry.versions.map((version) => [version.version, version.runId, version.specHash]));

    // Without a stored spec, a version is read with the spec of its pipeline in this code, and says so.
    const production = read.versions[1]!;
    expect(() => specOfVersion(production)).toThrow(VersionSpecError);
    const resolved = specOfVersion(production, shippedSpecs);
    expect(resolved).toMatchObject({ source: 'code', spec: { name: 'seattle-live' } });
    expect(resolved.sameAsTrained).toBe(specHash(loadPipeline('seattle-live')) === production.specHash);

    const server = await createModelServer({ storage, models: [model], pollMs: 100, formatOneSpecs: shippedSpecs });
    servers.push(server);
    const reply = await server.app.inject({ method: 'POST', url: `/v1/models/${model}/predict`, payload: { rows: flightRows(2) } });
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.json<{ predictions: { version: number; alias: string }[] }>().predictions.map((p) => [p.version, p.alias])).toEqual([[2, 'production'], [2, 'production']]);

    // The model workflow carries it on: new versions carry their spec, the old ones stay as they were.
    const state = new ModelState(model, read);
    const spec = loadPipeline('seattle-live');
    const result = { runId: `${model}.train.3`, pipeline: 'seattle-live', spec, specHash: specHash(spec), datasetVersion: 'd', train: { model: { bucket: 'b', key: 'm' }, backend: 'wasm' }, feature: { transform: { bucket: 'b', key: 't' } }, evaluate: { metrics: {}, blessed: true, reason: 'ok' } } as unknown as PipelineRunResult;
    const added = state.register(result, { workflowId: `model:${model}`, runId: 'r' }, {}, new Date().toISOString());
    expect(added.version).toBe(3);
    expect(added.spec).toEqual(spec);
    expect(state.registry.format).toBe(REGISTRY_FORMAT);
    expect(state.registry.versions.slice(0, 2).map((version) => version.spec)).toEqual([undefined, undefined]);
  });

  it('a registry of a newer format is refused, naming the formats this code reads', async () => {
    const model = `format-new-${randomUUID().slice(0, 8)}`;
    await storage.putJson(registryKeys.registry(model), { format: REGISTRY_FORMAT + 1, model, versions: [], aliases: {} });
    await expect(loadRegistry(storage, model)).rejects.toThrow(RegistryFormatError);
    await expect(loadRegistry(storage, model)).rejects.toThrow(`has format ${REGISTRY_FORMAT + 1}; this ctrain reads formats 1 to ${REGISTRY_FORMAT}`);
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

    expect(await env.run(() => activities.loadRunSteps({ runId }))).toEqual(recorded.steps);

    const train = recorded.steps.train;
    const cacheKey = `formatone${randomUUID().replace(/-/g, '').slice(0, 23)}`;
    await storage.putJson(stepKeys.manifest('train', cacheKey), train);
    expect(await env.run(() => reuseCached(storage, 'train', cacheKey, undefined))).toEqual({ ...train, cached: true, reusedBy: 'cache' });

    // What this code writes is format 2, and reads back the same.
    await env.run(() => activities.recordRunStep({ runId, manifest: train }));
    expect(await storage.getJson(runKeys.step(runId, 'train'))).toEqual({ ...train, format: MANIFEST_FORMAT });

    await storage.putJson(stepKeys.manifest('train', cacheKey), { ...train, format: MANIFEST_FORMAT + 1 });
    await expect(env.run(() => reuseCached(storage, 'train', cacheKey, undefined))).rejects.toMatchObject({ nonRetryable: true, message: expect.stringContaining(`has format ${MANIFEST_FORMAT + 1}`) as unknown });
  });

  it('prediction-log lines without a format are read beside today’s; a newer format is refused', async () => {
    const model = `format-log-${randomUUID().slice(0, 8)}`;
    const at = new Date().toISOString();
    const day = at.slice(0, 10);
    const old = { id: 'p1', at, model, version: 1, alias: 'production', requestId: 'r', input: { x: 1 }, score: 0.3 };
    const today = { ...old, id: 'p2', format: PREDICTION_LOG_FORMAT };
    await storage.putBuffer(logKeys.batch(model, 'predictions', day, new Date(), 'aaaaaaaa'), Buffer.from(`${JSON.stringify(old)}\n${JSON.stringify(today)}\n`));
    expect((await readLog<{ id: string }>(storage, model, 'predictions', at, at)).map((record) => record.id)).toEqual(['p1', 'p2']);

    await storage.putBuffer(logKeys.batch(model, 'predictions', day, new Date(), 'bbbbbbbb'), Buffer.from(`${JSON.stringify({ ...old, id: 'p3', format: PREDICTION_LOG_FORMAT + 1 })}\n`));
    await expect(readLog(storage, model, 'predictions', at, at)).rejects.toThrow(`has format ${PREDICTION_LOG_FORMAT + 1}`);
  });
});
