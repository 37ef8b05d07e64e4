/**
 * The command line with no worker running (issue 21): the registry commands read MinIO and answer
 * as usual; the commands that need a worker say so at once, with the hint to start one, and leave
 * no workflow behind to run later; a MinIO that cannot be reached is an error, not an empty list.
 * One small model is trained first, then its workers are stopped.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { executeBounded } from '../../clients/bounded-workflow.js';
import { buildProgram } from '../../cli/program.js';
import { NoWorkerError, START_WORKER_HINT } from '../../clients/hinted-errors.js';
import { requestRun, waitForRun } from '../../clients/model-client.js';
import { workerPresence } from '../../clients/worker-presence.js';
import type { Registry } from '../../contracts/model.js';
import { modelWorkflowId } from '../../contracts/model.js';
import { driftScheduleId } from '../../contracts/schedules.js';
import { TASK_QUEUES } from '../../contracts/stack.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import { registerPipeline } from '../../pipelines/index.js';
import { createGeneralWorker } from '../../workers/general.js';
import seattleTemperature from '../../pipelines/seattle-temperature.js';
import { ObjectStore } from '../../storage/gateway.js';
import { registryKeys } from '../../storage/layout.js';
import { freePort } from '../../stack/ports.js';
import { ctrain } from '../support/ctrain-cli.js';
import { eventually } from '../support/serving-fixtures.js';

const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
const env = { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress, CTRAIN_TEMPORAL_NAMESPACE: stack.namespace, CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint, CTRAIN_DEBUG: '' };
const modelName = `no-worker-${randomUUID().slice(0, 8)}`;

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;

/** Runs the CLI and measures how long it took. */
async function timed(args: string[], extra: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof ctrain>> & { ms: number }> {
  const started = Date.now();
  const result = await ctrain(args, { ...env, ...extra });
  return { ...result, ms: Date.now() - started };
}

/** Workflows of a type started for this model, as the server lists them. */
async function workflowsOf(prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const workflow of temporal.client.workflow.list({ query: `WorkflowId STARTS_WITH "${prefix}"` })) ids.push(`${workflow.workflowId} ${workflow.status.name}`);
  return ids;
}

beforeAll(async () => {
  registerPipeline({ ...seattleTemperature, name: modelName, source: { ...seattleTemperature.source, limit: 400 }, training: { ...seattleTemperature.training, epochs: 2 }, evaluation: { ...seattleTemperature.evaluation, threshold: 1000 }, deploy: { ...seattleTemperature.deploy, soak: '1 second' } });
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
  const { runId } = await requestRun(temporal.client, modelName, { source: 'cli', reason: 'a model to read without workers' }, workers);
  const { run } = await waitForRun(temporal.client, modelName, runId, 200);
  expect(run.error).toBeUndefined();
  await eventually('production v1 in MinIO', async () => (await storage.getJson<Registry>(registryKeys.registry(modelName)))?.aliases.production === 1);
  // Nothing may start a drift check later but the commands under test.
  await temporal.client.schedule.getHandle(driftScheduleId(modelName)).delete().catch(() => undefined);
  await workers.stop();
});
afterAll(async () => {
  await temporal?.client.workflow.getHandle(modelWorkflowId(modelName)).terminate('cli-no-worker test done').catch(() => undefined);
  await temporal?.close();
});

describe('with no worker running', () => {
  it('models ls --json and models show answer from MinIO', async () => {
    const ls = await timed(['models', 'ls', '--json']);
    expect(ls.exitCode, ls.stderr).toBe(0);
    const listed = (JSON.parse(ls.stdout) as Registry[]).find((registry) => registry.modelName === modelName);
    expect(listed?.versions.map((version) => version.version)).toEqual([1]);
    expect(listed?.aliases.production).toBe(1);

    const show = await timed(['models', 'show', modelName]);
    expect(show.exitCode, show.stderr).toBe(0);
    expect(show.stdout.split('\n')[0]).toBe(`${modelName}: production=v1`);
    expect(show.stdout).toMatch(/^ {2}v1 .* blessed /m);
    expect(show.stdout).toMatch(/production: - -> 1 by /);
  });

  it('drift check fails within 10 s saying no worker runs, with the hint, and no drift check runs later', async () => {
    const check = await timed(['drift', 'check', modelName]);
    expect(check.exitCode).toBe(1);
    expect(check.ms).toBeLessThan(10_000);
    expect(check.stdout).toBe('');
    expect(check.stderr.split('\n')).toEqual([`ctrain: no ctrain worker is running for task queue ${TASK_QUEUES.general} at ${stack.temporalAddress}`, `hint: ${START_WORKER_HINT}`]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await workflowsOf(`drift-check:${modelName}:`)).toEqual([]);
  });

  it('promote fails within 10 s though the server still lists the workers that just stopped', async () => {
    const presence = await workerPresence(temporal.client, workers.taskQueue);
    console.log(`pollers listed for ${workers.taskQueue} after the workers stopped: ${JSON.stringify(presence.pollers)} (live by their last poll: ${presence.live})`);
    const promote = await timed(['promote', modelName, '1']);
    expect(promote.exitCode).toBe(1);
    expect(promote.ms).toBeLessThan(10_000);
    const [message, hint] = promote.stderr.split('\n');
    expect(message).toMatch(new RegExp(`^ctrain: no ctrain worker is running for task queue ${workers.taskQueue} at ${stack.temporalAddress.replaceAll('.', '\\.')}`));
    expect(hint).toBe(`hint: ${START_WORKER_HINT}`);
  });

  it('watch fails within 10 s with the hint, and run (of a pipeline this process knows) queues nothing', async () => {
    const watch = await timed(['watch', modelName]);
    expect(watch.exitCode).toBe(1);
    expect(watch.ms).toBeLessThan(10_000);
    const [message, hint] = watch.stderr.split('\n');
    expect(message).toMatch(new RegExp(`^ctrain: no ctrain worker is running for task queue ${workers.taskQueue} `));
    expect(hint).toBe(`hint: ${START_WORKER_HINT}`);

    const runsBefore = await workflowsOf(`${modelName}.train.`);
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const started = Date.now();
    try {
      await expect(buildProgram().parseAsync(['run', modelName], { from: 'user' })).rejects.toBeInstanceOf(NoWorkerError);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await workflowsOf(`${modelName}.train.`)).toEqual(runsBefore);
  });

  it('cancel of a run no worker carries fails within 10 s with the hint, not waiting for the run to stop', async () => {
    const runId = `${modelName}.train.20261206T000000000Z`;
    // Never executed: nothing polls its queue, so its input is never read.
    await temporal.client.workflow.start('trainingPipelineWorkflow', { workflowId: runId, taskQueue: workers.taskQueue, args: [{}] });
    try {
      const cancel = await timed(['cancel', runId]);
      expect(cancel.exitCode).toBe(1);
      expect(cancel.ms).toBeLessThan(10_000);
      expect(cancel.stderr.split('\n')[1]).toBe(`hint: ${START_WORKER_HINT}`);
      expect((await temporal.client.workflow.getHandle(runId).describe()).status.name).toBe('RUNNING');
    } finally {
      await temporal.client.workflow.getHandle(runId).terminate('cli-no-worker test done');
    }
  });

  it('a short workflow started on a queue whose worker just stopped is stopped at once, not left to run later', async () => {
    const workflowId = `drift-check:${modelName}:bounded-${randomUUID().slice(0, 8)}`;
    const started = Date.now();
    const error = await executeBounded(temporal.client, 'driftCheckWorkflow', { workflowId, taskQueue: workers.taskQueue, args: [{ modelName }], timeoutMs: 60_000, what: 'a drift check', address: stack.temporalAddress }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(NoWorkerError);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await temporal.client.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
  });

  it('models ls with MinIO unreachable fails naming the endpoint, instead of printing an empty list', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const ls = await timed(['models', 'ls', '--json'], { CTRAIN_MINIO_ENDPOINT: endpoint });
    expect(ls.exitCode).toBe(1);
    expect(ls.stdout).toBe('');
    expect(ls.stderr.split('\n')[0]).toBe(`ctrain: cannot reach MinIO at ${endpoint}`);
  });
});

describe('with a worker back on the model workflow\'s task queue', () => {
  it('the same checks let an update through: retrain pause answers', async () => {
    const worker = await createGeneralWorker({ connection: temporal.workerConnection, namespace: stack.namespace, deps: { storage, dvc: new Dvc(stack.tools.dvc, datasetRemote(stack.minio)) }, taskQueue: workers.taskQueue });
    const running = worker.run();
    try {
      const pause = await timed(['retrain', 'pause', modelName]);
      expect(pause.exitCode, pause.stderr).toBe(0);
      expect(pause.stdout).toBe(`${modelName}: automatic retraining paused`);
    } finally {
      worker.shutdown();
      await running;
    }
  });
});
