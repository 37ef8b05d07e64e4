import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Registry } from '../../contracts/model.js';
import { registryRef } from '../../activities/registry.js';
import { getJson } from '../../infra/artifacts.js';
import { readRegistry, requestRun, waitForRun } from '../../infra/model-client.js';
import { createStorage } from '../../infra/storage.js';
import type { PipelineRunResult } from '../../contracts/pipeline-run.js';
import { connectTemporal } from '../support/temporal.js';
import type { RunningWorkers } from '../support/workers.js';
import { startWorkers } from '../support/workers.js';

const stack = inject('stack');
const MODEL = 'seattle-temperature';
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
});
afterAll(async () => {
  await workers.stop();
  await temporal.close();
});

describe('the seattle-temperature regressor, end to end on the real stack', () => {
  it('trains, registers exactly one version and makes it production; the registry is in MinIO', async () => {
    const { runId } = await requestRun(temporal.client, MODEL, { reason: 'first training', source: 'cli' }, workers);
    const { run, registry } = await waitForRun(temporal.client, MODEL, runId);

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('registered');
    expect(registry.versions).toHaveLength(1);
    expect(registry.aliases.production).toBe(1);
    const version = registry.versions[0]!;
    expect(version.runId).toBe(runId);
    expect(version.backend).toBe('wasm');
    expect(version.metrics.rmse).toBeLessThan(5);
    expect(await getJson<Registry>(createStorage(stack.minio), registryRef(MODEL))).toEqual(registry);

    const result = (await temporal.client.workflow.getHandle(runId).result()) as PipelineRunResult;
    expect(result.ingest.rows).toBe(1461);
    expect(result.validate.inferredReference).toBe(true);
  });

  it('re-runs unchanged: every step but ingest comes from the cache and no second version is registered', async () => {
    const { runId } = await requestRun(temporal.client, MODEL, { reason: 'unchanged re-run', source: 'cli' }, workers);
    const { run } = await waitForRun(temporal.client, MODEL, runId);
    const result = (await temporal.client.workflow.getHandle(runId).result()) as PipelineRunResult;

    expect(run.status).toBe('registered');
    expect([result.validate.cached, result.feature.cached, result.train.cached, result.evaluate.cached]).toEqual([true, true, true, true]);
    expect(result.ingest.datasetVersion).toBe((await readRegistry(temporal.client, MODEL)).versions[0]!.datasetVersion);
    expect((await readRegistry(temporal.client, MODEL)).versions).toHaveLength(1);
  });
});
