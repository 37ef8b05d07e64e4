/**
 * Who may make ctrain do what (issue 20), on the real stack: sources outside the operator's
 * allow-list refused where the worker reads, even when the CLI is bypassed; run overrides that
 * reach for infrastructure, prototype keys or absurd numbers refused; malformed retrain signals
 * and updates refused; invalid or unknown model names refused by every entry point, at once and
 * for good. After each, the production model (versions, aliases, artifact bytes) and the dataset
 * versions are as they were. Each bad input joins the catalogue (test/support/bad-input-catalogue.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { ActivityFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AliasRequest, Registry, RetrainRequest } from '../../contracts/model.js';
import { modelWorkflowId, pauseUpdate, promoteUpdate, requestRunUpdate, retrainSignal } from '../../contracts/model.js';
import type { PipelineOverrides } from '../../contracts/pipeline-run.js';
import { driftScheduleId } from '../../contracts/schedules.js';
import { BUCKETS } from '../../contracts/stack.js';
import { requestRun, waitForRun } from '../../clients/model-client.js';
import { registerPipeline } from '../../pipelines/index.js';
import seattleTemperature from '../../pipelines/seattle-temperature.js';
import { datasetKeys, registryKeys } from '../../storage/layout.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import { driftCheckWorkflow, modelWorkflow, trainingPipelineWorkflow } from '../../workflows/index.js';
import type { CatalogueEntry } from '../support/bad-input-catalogue.js';
import { catalogueTable, recordBadInput } from '../support/bad-input-catalogue.js';
import { ctrain } from '../support/ctrain-cli.js';
import { eventually } from '../support/serving-fixtures.js';

const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
const cliEnv = { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress, CTRAIN_TEMPORAL_NAMESPACE: stack.namespace, CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint, CTRAIN_DEBUG: '' };
const modelName = `trust-${randomUUID().slice(0, 8)}`;
const entries: CatalogueEntry[] = [];
const see = (input: string, where: string, type: string, retryable: boolean | 'n/a'): void => void entries.push(recordBadInput(input, where, type, retryable));
const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
let scratch: string;

/** What must not move: versions, aliases, the production model's bytes, and the set of dataset objects. */
async function untouched(): Promise<unknown> {
  const registry = await storage.getJson<Registry>(registryKeys.registry(modelName));
  const version = registry?.versions.find((candidate) => candidate.version === registry.aliases.production);
  if (!registry || !version) throw new Error(`${modelName} has no production version in MinIO`);
  const sha = createHash('sha256').update(await storage.getBuffer(version.modelArtifact)).digest('hex');
  // This model's dataset versions only: other test files share the bucket and store theirs meanwhile.
  const dvcFile = datasetKeys.dvcFile(modelName, 'v');
  const datasets = (await storage.listKeys({ bucket: dvcFile.bucket, prefix: dvcFile.key.slice(0, dvcFile.key.lastIndexOf('/') + 1) })).length;
  return { versions: registry.versions, aliases: registry.aliases, sha, datasets };
}

const registryNow = (): Promise<Registry> => temporal.client.workflow.getHandle(modelWorkflowId(modelName)).query<Registry>('registry');

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctrain-trust-'));
  registerPipeline({ ...seattleTemperature, name: modelName, source: { ...seattleTemperature.source, limit: 400 }, training: { ...seattleTemperature.training, epochs: 2 }, evaluation: { ...seattleTemperature.evaluation, threshold: 1000 }, deploy: { ...seattleTemperature.deploy, soak: '1 second' } });
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
  const { runId } = await requestRun(temporal.client, modelName, { source: 'cli', reason: 'a production model to keep' }, workers);
  const { run } = await waitForRun(temporal.client, modelName, runId, 200);
  expect(run.error).toBeUndefined();
  await eventually('production v1 in MinIO', async () => (await storage.getJson<Registry>(registryKeys.registry(modelName)))?.aliases.production === 1);
});
afterAll(async () => {
  await temporal?.client.schedule.getHandle(driftScheduleId(modelName)).delete().catch(() => undefined);
  await temporal?.client.workflow.getHandle(modelWorkflowId(modelName)).terminate('trust-boundaries test done').catch(() => undefined);
  await workers?.stop();
  await temporal?.close();
  await rm(scratch, { recursive: true, force: true });
  console.log(`\n${catalogueTable('trust boundaries', entries)}\n`);
});

describe('sources outside the allow-list, refused where the worker reads', () => {
  /** Starts the training pipeline workflow straight from a Temporal client, as a caller without the CLI would. */
  async function directRun(overrides: PipelineOverrides): Promise<ApplicationFailure> {
    const error = await rejection(
      temporal.client.workflow.execute(trainingPipelineWorkflow, { taskQueue: workers.taskQueue, workflowId: `trust-direct-${randomUUID()}`, args: [{ pipeline: modelName, trainTaskQueue: workers.trainTaskQueue, overrides }] }),
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activity = (error as WorkflowFailedError).cause as ActivityFailure;
    expect(activity).toBeInstanceOf(ActivityFailure);
    expect([activity.activityType, activity.retryState]).toEqual(['ingest', 'NON_RETRYABLE_FAILURE']);
    return activity.cause as ApplicationFailure;
  }

  it('a key file named as the source, by a client that bypasses the CLI: SourceNotAllowed, and not a byte of it in the error', async () => {
    const before = await untouched();
    const failure = await directRun({ source: { uri: '/etc/passwd', format: 'csv' } });
    expect([failure.type, failure.nonRetryable]).toEqual(['SourceNotAllowed', true]);
    expect(failure.message).toMatch(/^Source "\/etc\/passwd" is not allowed: it lies outside the data roots \(.*; CTRAIN_DATA_ROOTS\)/);
    expect(failure.message).not.toMatch(/root:/);
    expect(await untouched()).toEqual(before);
    see('source override: a file outside the data roots (/etc/passwd), CLI bypassed', 'worker: ingest', 'SourceNotAllowed', false);
  });

  it('a link inside a data root that leads out of it, and a * pattern that matches one', async () => {
    const before = await untouched();
    await symlink('/etc/passwd', join(scratch, 'innocent.csv'));
    const linked = await directRun({ source: { uri: join(scratch, 'innocent.csv'), format: 'csv' } });
    expect(linked.type).toBe('SourceNotAllowed');
    expect(linked.message).toMatch(/innocent\.csv" is not allowed: it lies outside the data roots/);
    const pattern = await directRun({ source: { uri: join(scratch, 'innocent*.csv'), format: 'csv' } });
    expect(pattern.type).toBe('SourceNotAllowed');
    expect(await untouched()).toEqual(before);
    see('source override: a link in a data root to a file outside', 'worker: ingest', 'SourceNotAllowed', false);
    see('source override: a * pattern matching such a link', 'worker: ingest', 'SourceNotAllowed', false);
  });

  it('an http source under no allowed prefix (a cloud metadata address)', async () => {
    const before = await untouched();
    const failure = await directRun({ source: { uri: 'http://169.254.169.254/latest/meta-data/iam', format: 'csv' } });
    expect(failure.type).toBe('SourceNotAllowed');
    expect(failure.message).toMatch(/starts with none of the allowed prefixes \(s3:\/\/, http:\/\/127\.0\.0\.1:, http:\/\/localhost:; CTRAIN_SOURCE_PREFIXES\)/);
    expect(await untouched()).toEqual(before);
    see('source override: http to a cloud metadata address', 'worker: ingest', 'SourceNotAllowed', false);
  });
});

describe('run overrides and retrain requests, whoever sends them', () => {
  /** Sends the requestRun update as any Temporal client could; answers the refusal. */
  async function refusedUpdate(request: unknown): Promise<string> {
    const error = await rejection(temporal.client.workflow.getHandle(modelWorkflowId(modelName)).executeUpdate(requestRunUpdate, { args: [request as RetrainRequest] }));
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    return ((error as WorkflowUpdateFailedError).cause as Error).message;
  }

  it('an override of the trainer task queue, a __proto__ section, an unknown field: the update is refused, nothing queued', async () => {
    const before = await untouched();
    const runs = (await registryNow()).runs.length;
    expect(await refusedUpdate({ reason: 'x', source: 'cli', overrides: { training: { taskQueue: 'nobody-serves-this' } } })).toBe(
      'not a retraining request: overrides.training.taskQueue: decides where the work runs: set it in the spec, not per run',
    );
    expect(await refusedUpdate(JSON.parse('{"reason":"x","source":"cli","overrides":{"__proto__":{"training":{"epochs":1}}}}'))).toMatch(/overrides\.__proto__: is not a section a run may override/);
    expect(await refusedUpdate({ reason: 'x', source: 'cli', overrides: { training: { epoch: 3 } } })).toMatch(/overrides\.training\.epoch: is not a field of the spec \(misspelt\?\)/);
    expect((await registryNow()).runs).toHaveLength(runs);
    expect(await untouched()).toEqual(before);
    see('override: training.taskQueue (a queue nobody serves)', 'model workflow: requestRun validator', 'update refused', false);
    see('override: a __proto__ section', 'model workflow: requestRun validator', 'update refused', false);
    see('override: a field that is no field (epoch)', 'model workflow: requestRun validator', 'update refused', false);
  });

  it('a promote whose version is text, a pause whose flag is text: refused, nothing changes', async () => {
    const before = await untouched();
    const handle = temporal.client.workflow.getHandle(modelWorkflowId(modelName));
    const refusal = async (update: typeof promoteUpdate | typeof pauseUpdate, payload: unknown) => {
      const error = await rejection(handle.executeUpdate(update as typeof promoteUpdate, { args: [payload as AliasRequest] }));
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      return ((error as WorkflowUpdateFailedError).cause as Error).message;
    };
    expect(await refusal(promoteUpdate, { version: '1' })).toMatch(/^not a valid request: version: /);
    expect(await refusal(pauseUpdate, { paused: 'yes' })).toMatch(/^not a valid request: paused: /);
    expect((await registryNow()).paused ?? false).toBe(false);
    expect(await untouched()).toEqual(before);
    see('promote update with the version as text', 'model workflow: promote validator', 'update refused', false);
    see('pause update with the flag as text', 'model workflow: setPaused validator', 'update refused', false);
  });

  it('a batch score whose output is a bucket ctrain keeps its registry in', async () => {
    const before = await untouched();
    const result = await ctrain(['score', modelName, '--input', 'package://vega-datasets/data/seattle-weather.csv', '--output', `s3://${BUCKETS.registry}/${modelName}`], cliEnv);
    expect([result.exitCode, result.stderr]).toEqual([1, expect.stringContaining(`is in ${BUCKETS.registry}, a bucket ctrain keeps its own objects in`)]);
    expect(await untouched()).toEqual(before);
    see('batch score output into the registry bucket', 'CLI and batch workflow', 'InvalidOutput', false);
  });

  it('epochs: 1e12, accepted as a key, is refused with the spec: the run fails at once, no version', async () => {
    const before = await untouched();
    const { runId } = await requestRun(temporal.client, modelName, { source: 'cli', reason: 'absurd', overrides: { training: { epochs: 1e12 } } }, workers);
    const { run } = await waitForRun(temporal.client, modelName, runId, 200);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/training\.epochs: must be at most 10,000/);
    expect(await untouched()).toEqual(before);
    see('override: training.epochs 1e12', 'pipeline: resolvePipeline', 'PipelineSpecError', false);
  });

  it('a retrain signal whose payload is a bare number, or lacks a source: logged as refused, nothing queued', async () => {
    const before = await untouched();
    const handle = temporal.client.workflow.getHandle(modelWorkflowId(modelName));
    const runs = (await registryNow()).runs.length;
    await handle.signal(retrainSignal, 5 as unknown as RetrainRequest);
    await handle.signal(retrainSignal, { reason: 'no source' } as RetrainRequest);
    await eventually('two refusals logged', async () => (await registryNow()).decisions.filter((decision) => decision.decision === 'refused-invalid').length >= 2);
    const registry = await registryNow();
    const refused = registry.decisions.filter((decision) => decision.decision === 'refused-invalid');
    expect(refused[0]!.request.evidence).toEqual({ payload: '5' });
    expect(refused[0]!.reason).toMatch(/^not a retraining request: \(request\): /);
    expect(refused[1]!.reason).toMatch(/source: /);
    expect(registry.runs).toHaveLength(runs);
    expect(await untouched()).toEqual(before);
    see('retrain signal: a bare number as the payload', 'model workflow: retrain signal', 'refused-invalid (logged)', false);
    see('retrain signal: no source', 'model workflow: retrain signal', 'refused-invalid (logged)', false);
  });
});

describe('model names at every entry point', () => {
  it('drift signal, drift check, retrain pause: a path-like name and an unknown model refused by the CLI at once', async () => {
    const before = await untouched();
    const unknown = `no-such-model-${randomUUID().slice(0, 6)}`;
    for (const args of [['drift', 'signal', '../x', '--reason', 'r'], ['drift', 'check', '../x'], ['retrain', 'pause', '../x']]) {
      const result = await ctrain(args, cliEnv);
      expect([result.exitCode, result.stderr]).toEqual([1, expect.stringContaining('model name "../x" must be a lowercase slug')]);
    }
    for (const args of [['drift', 'signal', unknown, '--reason', 'r'], ['drift', 'check', unknown]]) {
      const result = await ctrain(args, cliEnv);
      expect([result.exitCode, result.stderr]).toEqual([1, expect.stringContaining(`unknown model "${unknown}": no pipeline ctrain ships`)]);
    }
    // No model workflow was started for either.
    for (const name of ['../x', unknown]) expect(await rejection(temporal.client.workflow.getHandle(modelWorkflowId(name)).describe())).toBeDefined();
    expect(await untouched()).toEqual(before);
    see('ctrain drift signal ../x', 'CLI', 'InvalidNameError', false);
    see('ctrain drift check ../x', 'CLI', 'InvalidNameError', false);
    see('ctrain drift signal <unknown model>', 'CLI', 'UnknownModelError', false);
    see('ctrain drift check <unknown model>', 'CLI', 'UnknownModelError', false);
  });

  it('a drift check or model workflow started by a client with "../x": fails at once, non-retryable', async () => {
    const check = await rejection(temporal.client.workflow.execute(driftCheckWorkflow, { taskQueue: workers.taskQueue, workflowId: `trust-check-${randomUUID()}`, args: [{ modelName: '../x' }] }));
    expect(check).toBeInstanceOf(WorkflowFailedError);
    expect(((check as WorkflowFailedError).cause as ApplicationFailure).type).toBe('InvalidNameError');
    const model = await rejection(temporal.client.workflow.execute(modelWorkflow, { taskQueue: workers.taskQueue, workflowId: `trust-model-${randomUUID()}`, args: [{ modelName: '../x' }] }));
    expect(((model as WorkflowFailedError).cause as ApplicationFailure).message).toBe('model name "../x" must be a lowercase slug like "flight-delay" (a-z, 0-9, single hyphens)');
    see('drift check workflow started with "../x"', 'drift check workflow', 'InvalidNameError', false);
    see('model workflow started with "../x"', 'model workflow', 'InvalidNameError', false);
  });
});

describe('a trainer queue nobody serves, set in the spec', () => {
  it('fails the run after training.startWithin, naming the queue, instead of holding it for ever', async () => {
    const name = `trust-queue-${randomUUID().slice(0, 6)}`;
    registerPipeline({ ...seattleTemperature, name, source: { ...seattleTemperature.source, limit: 200 }, training: { ...seattleTemperature.training, taskQueue: 'nobody-polls-this', startWithin: '2 seconds' } });
    try {
      const { runId } = await requestRun(temporal.client, name, { source: 'cli', reason: 'no trainer' }, { taskQueue: workers.taskQueue });
      const { run, registry } = await waitForRun(temporal.client, name, runId, 200);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/No trainer worker took the train step from task queue "nobody-polls-this" within 2 seconds \(training\.startWithin\)/);
      expect(registry.versions).toEqual([]);
      see('spec: training.taskQueue that no trainer polls', 'pipeline: train (schedule-to-start)', 'TrainerUnavailable', false);
    } finally {
      await temporal.client.schedule.getHandle(driftScheduleId(name)).delete().catch(() => undefined);
      await temporal.client.workflow.getHandle(modelWorkflowId(name)).terminate('done').catch(() => undefined);
    }
  });
});

describe('the alert receiver knows what the other entry points know', () => {
  it('a pipeline whose spec a run from a file stored is known; a name nothing has stays unknown', async () => {
    const { runAlertReceiver } = await import('../../alerts/main.js');
    const { pipelineKeys } = await import('../../storage/layout.js');
    const stored = `trust-stored-${randomUUID().slice(0, 6)}`;
    await storage.putJson(pipelineKeys.spec(stored), { ...seattleTemperature, name: stored });
    const running = await runAlertReceiver({ port: 0, client: temporal.client, storage, auth: { bearerTokens: ['t'] }, handleSignals: false, logLevel: 'silent', taskQueue: workers.taskQueue });
    try {
      const send = async (model: string) =>
        ((await (await fetch(`${running.url}/alerts`, { method: 'POST', body: JSON.stringify({ model, reason: 'drift' }), headers: { 'content-type': 'application/json', authorization: 'Bearer t' } })).json()) as { outcomes: { outcome: string }[] }).outcomes[0]!.outcome;
      expect(await send(stored)).not.toBe('unknown-model');
      expect(await send(modelName)).not.toBe('unknown-model');
      expect(await send(`nothing-${randomUUID().slice(0, 6)}`)).toBe('unknown-model');
    } finally {
      await running.close();
      await temporal.client.workflow.getHandle(modelWorkflowId(stored)).terminate('done').catch(() => undefined);
    }
  });
});
