import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AssessCanaryInput } from '../../activities/deploy.js';
import type { CanaryAssessment, Registry, RetrainRequest, RunRecord } from '../../contracts/model.js';
import { approveUpdate, pauseUpdate, publishedRegistryQuery, registryQuery, rejectUpdate, requestRunUpdate, retrainSignal } from '../../contracts/model.js';
import type { PipelineRunResult } from '../../contracts/pipeline-run.js';
import type { PipelineSpec } from '../../contracts/pipeline-spec.js';
import { PROJECT_ROOT } from '../../stack/paths.js';
import { ModelState } from '../../workflows/model-state.js';
import type { modelWorkflow } from '../support/decision-workflows/index.js';
import { runResult, specWith } from '../support/run-results.js';
import { connectForFile, uniqueId } from '../../harness/temporal.js';

/**
 * The model workflow's retraining and deploy decisions on the real (embedded) Temporal server, with
 * stubbed activities and a stub training pipeline: no MinIO, no training, each test in seconds.
 */

const stack = inject('stack');
const temporal = connectForFile(stack);

let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  bundle = await bundleWorkflowCode({ workflowsPath: join(PROJECT_ROOT, 'test', 'support', 'decision-workflows', 'index.ts'), logger: quietLogger() });
});

/** Short pacing: a 200 ms debounce, a 300 ms soak, and a long cooldown unless a test shortens it. */
const fastSpec = (deploy: Partial<PipelineSpec['deploy']> = {}, drift: Partial<PipelineSpec['drift']> = {}): PipelineSpec =>
  specWith({ deploy: { canaryPercent: 20, soak: '300ms', approval: 'auto', ...deploy }, drift: { debounce: '200ms', cooldown: '1 hour', ...drift } });

const held = (reason: string): CanaryAssessment => assessment(true, reason);
function assessment(promote: boolean, reason: string): CanaryAssessment {
  return { promote, reason, canary: { version: 2, predictions: 50, outcomes: 0 }, production: { version: 1, predictions: 200, outcomes: 0 }, since: '', until: '' };
}

interface Model {
  handle: WorkflowHandle<typeof modelWorkflow>;
  /** Registries written to "MinIO", in order. */
  writes: Registry[];
  assessments: AssessCanaryInput[];
  schedules: number;
  registry: () => Promise<Registry>;
  /** Polls the workflow's registry until `check` holds (20 s at most). */
  until: (check: (registry: Registry) => boolean) => Promise<Registry>;
  /** The same, on the registry as last written to MinIO. */
  untilPublished: (check: (registry: Registry) => boolean) => Promise<Registry>;
  /** Lets the run waiting in the stub pipeline finish. */
  release: () => void;
}

interface ModelOptions {
  spec: PipelineSpec;
  /** Registry carried in, as after continue-as-new. */
  registry?: Registry;
  /** The result of the n-th run (0-based); default: a blessed model from a new dataset. */
  result?: (runId: string, n: number) => PipelineRunResult;
  assess?: (input: AssessCanaryInput) => CanaryAssessment;
  /** Runs wait in the stub pipeline until released. */
  gated?: boolean;
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function startModel(options: ModelOptions): Promise<Model> {
  const name = uniqueId('decisions');
  const taskQueue = name;
  const writes: Registry[] = [];
  const assessments: AssessCanaryInput[] = [];
  let runs = 0;
  let gate = deferred();
  if (!options.gated) gate.resolve();
  const layersModel = {
    writes,
    assessments,
    schedules: 0,
    release: () => {
      gate.resolve();
    },
  } as Model;
  const worker = await Worker.create({
    connection: temporal.current.workerConnection,
    namespace: stack.namespace,
    taskQueue,
    dataConverter: temporal.current.dataConverter,
    workflowBundle: bundle,
    activities: {
      writeRegistry: ({ registry }: { registry: Registry }) => void writes.push(registry),
      resolvePipeline: () => ({ spec: options.spec, specHash: 'spec-1' }),
      ensureSchedules: () => void layersModel.schedules++,
      assessCanary: (input: AssessCanaryInput) => {
        assessments.push(input);
        return (options.assess ?? (() => held('held up over 50 requests')))(input);
      },
      cannedRun: async ({ pipeline }: { pipeline: string }) => {
        const n = runs++;
        await gate.promise;
        if (options.gated) gate = deferred();
        const runId = `${pipeline}-run-${n}`;
        return options.result?.(runId, n) ?? runResult(runId, { spec: options.spec, datasetVersion: `data-${n}` });
      },
    },
  });
  const running = worker.run();
  const handle = await temporal.current.client.workflow.start<typeof modelWorkflow>('modelWorkflow', { taskQueue, workflowId: name, args: [{ modelName: name, registry: options.registry }] });
  stops.push(async () => {
    gate.resolve();
    await handle.terminate('test over').catch(() => undefined);
    worker.shutdown();
    await running;
  });
  layersModel.handle = handle;
  layersModel.registry = () => handle.query(registryQuery);
  const poll = (read: () => Promise<Registry>) => async (check: (registry: Registry) => boolean): Promise<Registry> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const registry = await read();
      if (check(registry)) return registry;
      if (Date.now() > deadline) throw new Error(`registry never reached the expected state: ${JSON.stringify({ aliases: registry.aliases, runs: registry.runs.map((r) => r.status), decisions: registry.decisions.map((d) => d.decision) })}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  layersModel.until = poll(layersModel.registry);
  layersModel.untilPublished = poll(() => handle.query(publishedRegistryQuery));
  return layersModel;
}

const person = (reason = 'by hand'): RetrainRequest => ({ reason, source: 'cli' });
const drift = (reason = 'psi 0.4'): RetrainRequest => ({ reason, source: 'drift' });
const finished = (run: RunRecord | undefined): boolean => run !== undefined && run.status !== 'queued' && run.status !== 'running';
const lastRunDone = (count: number) => (registry: Registry): boolean => registry.runs.length === count && finished(registry.runs.at(-1));

/** A registry with version 1 in production, as a model workflow that already deployed one carries it. */
function withProduction(modelName = 'seed'): Registry {
  const state = new ModelState(modelName);
  state.register(runResult('seed-run', { datasetVersion: 'data-seed' }), { workflowId: 'model:seed', runId: 'r0' }, {}, '2026-12-04T09:00:00.000Z');
  state.promote(1, 'deploy', 'blessed: seed', '2026-12-04T09:00:00.000Z');
  return state.registry;
}

/** Sends an approve or reject, retrying while the validator says nothing is waiting yet. */
async function decide(layersModel: Model, update: typeof approveUpdate, request: { version?: number; by: string; reason: string }): Promise<{ version: number }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await layersModel.handle.executeUpdate(update, { args: [request] });
    } catch (error) {
      if (Date.now() > deadline || !String((error as Error & { cause?: Error }).cause?.message ?? error).includes('waiting for approval')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe('the model workflow’s deploy decisions', () => {
  it('puts the first version straight into production, with no canary', async () => {
    const layersModel = await startModel({ spec: fastSpec() });
    expect(await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person()] })).toMatchObject({ folded: false });
    const registry = await layersModel.untilPublished(lastRunDone(1));
    expect(registry.runs[0]).toMatchObject({ status: 'registered', version: 1 });
    expect(registry.aliases).toEqual({ production: 1 });
    expect(registry.history.map(({ alias, to, by, reason }) => ({ alias, to, by, reason }))).toEqual([{ alias: 'production', to: 1, by: 'deploy', reason: 'blessed: rmse 3.5 <= 4' }]);
    expect(layersModel.assessments).toEqual([]);
    expect(layersModel.schedules).toBe(1);
  });

  it('soaks a new version as a canary and promotes it when it holds up', async () => {
    const layersModel = await startModel({ spec: fastSpec(), registry: withProduction() });
    await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person()] });
    const registry = await layersModel.untilPublished(lastRunDone(1));
    expect(registry.runs[0]).toMatchObject({ status: 'registered', version: 2 });
    expect(registry.aliases).toEqual({ production: 2, previous: 1 });
    expect(registry.versions[1]?.deployment?.reason).toBe('held up over 50 requests');
    expect(layersModel.assessments).toEqual([expect.objectContaining({ canaryVersion: 2, productionVersion: 1, task: 'regression', tolerance: 0.1 })]);
    expect(registry.history.slice(1).map(({ alias, to, reason }) => ({ alias, to, reason }))).toEqual([
      { alias: 'canary', to: 2, reason: 'canary at 20% for 300ms' },
      { alias: 'previous', to: 1, reason: 'replaced by v2' },
      { alias: 'canary', to: undefined, reason: 'v2 promoted' },
      { alias: 'production', to: 2, reason: 'held up over 50 requests' },
    ]);
    // The canary was published for the model server before the soak.
    expect(layersModel.writes.some((written) => written.aliases.canary === 2 && written.aliases.production === 1)).toBe(true);
    expect(layersModel.writes.at(-1)?.aliases).toEqual({ production: 2, previous: 1 });
  });

  it('rolls a canary back when it does not hold up', async () => {
    const layersModel = await startModel({ spec: fastSpec(), registry: withProduction(), assess: () => assessment(false, 'live error 0.5 is worse') });
    await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person()] });
    const registry = await layersModel.untilPublished(lastRunDone(1));
    expect(registry.runs[0]).toMatchObject({ status: 'rolled-back', version: 2 });
    expect(registry.aliases).toEqual({ production: 1 });
    expect(registry.history.at(-1)).toEqual({ alias: 'canary', from: 2, at: expect.any(String) as string, by: 'deploy', reason: 'rolled back: live error 0.5 is worse' });
    expect(layersModel.writes.at(-1)?.aliases).toEqual({ production: 1 });
  });

  it('takes the canary out when the assessment fails, and the run fails with its error', async () => {
    const layersModel = await startModel({
      spec: fastSpec(),
      registry: withProduction(),
      assess: () => {
        throw ApplicationFailure.nonRetryable('prediction log unreadable', 'LogError');
      },
    });
    await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person()] });
    const registry = await layersModel.untilPublished(lastRunDone(1));
    expect(registry.runs[0]?.status).toBe('failed');
    expect(registry.runs[0]?.error).toMatch(/prediction log unreadable/);
    expect(registry.aliases).toEqual({ production: 1 });
    expect(registry.history.at(-1)).toEqual({ alias: 'canary', from: 2, at: expect.any(String) as string, by: 'deploy', reason: 'deploy failed' });
    expect(layersModel.writes.at(-1)?.aliases).toEqual({ production: 1 });
  });

  it('with manual approval, promotes the canary that held up once a person approves', async () => {
    const layersModel = await startModel({ spec: fastSpec({ approval: 'manual' }), registry: withProduction() });
    await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person()] });
    expect(await decide(layersModel, approveUpdate, { version: 2, by: 'ann', reason: 'numbers look right' })).toEqual({ version: 2 });
    const registry = await layersModel.untilPublished(lastRunDone(1));
    expect(registry.runs[0]).toMatchObject({ status: 'registered', version: 2 });
    expect(registry.aliases).toEqual({ production: 2, previous: 1 });
    expect(registry.history.at(-1)).toMatchObject({ alias: 'production', to: 2, by: 'ann', reason: 'numbers look right' });
    expect(layersModel.assessments).toHaveLength(1);
  });

  it('with manual approval, keeps the first version out of production when a person rejects it', async () => {
    const layersModel = await startModel({ spec: fastSpec({ approval: 'manual' }) });
    await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person()] });
    const waiting = await layersModel.until((registry) => registry.aliases.canary === 1);
    expect(waiting.history.at(-1)).toMatchObject({ alias: 'canary', to: 1, reason: 'waiting for approval' });
    await decide(layersModel, rejectUpdate, { by: 'bob', reason: 'wrong dataset' });
    const registry = await layersModel.untilPublished(lastRunDone(1));
    expect(registry.runs[0]).toMatchObject({ status: 'rejected', version: 1 });
    expect(registry.aliases).toEqual({});
    expect(registry.history.at(-1)).toEqual({ alias: 'canary', from: 1, at: expect.any(String) as string, by: 'bob', reason: 'wrong dataset' });
    expect(layersModel.assessments).toEqual([]);
    expect(layersModel.schedules).toBe(0);
  });

  it('registers a model that is not blessed without deploying it', async () => {
    const layersModel = await startModel({ spec: fastSpec(), result: (runId) => runResult(runId, { blessed: false }) });
    await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person()] });
    const registry = await layersModel.untilPublished(lastRunDone(1));
    expect(registry.runs[0]).toMatchObject({ status: 'not-blessed', version: 1 });
    expect(registry.versions.map((v) => v.blessed)).toEqual([false]);
    expect(registry.aliases).toEqual({});
    expect(layersModel.schedules).toBe(0);
  });

  it('registers nothing new for an unchanged re-run', async () => {
    const same = (runId: string): PipelineRunResult => runResult(runId, { specHash: 'h', datasetVersion: 'd', modelKey: 'models/same' });
    const layersModel = await startModel({ spec: fastSpec(), result: same });
    await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person('first')] });
    await layersModel.until(lastRunDone(1));
    await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person('again')] });
    const registry = await layersModel.until(lastRunDone(2));
    expect(registry.runs.map((run) => [run.status, run.version])).toEqual([
      ['registered', 1],
      ['registered', 1],
    ]);
    expect(registry.versions).toHaveLength(1);
    expect(registry.history).toHaveLength(1);
  });
});

describe('the model workflow’s retraining decisions', () => {
  it('debounces automatic signals into one run', async () => {
    const layersModel = await startModel({ spec: fastSpec() });
    await layersModel.handle.signal(retrainSignal, drift('psi 0.4'));
    await layersModel.handle.signal(retrainSignal, { reason: 'error rate', source: 'alert' });
    const registry = await layersModel.untilPublished(lastRunDone(1));
    expect(registry.decisions.map((d) => d.decision)).toEqual(['scheduled', 'debounced']);
    expect(registry.runs[0]?.requests.map((r) => r.reason)).toEqual(['psi 0.4', 'error rate']);
    expect(registry.policy).toEqual({ debounce: '200ms', cooldown: '1 hour', source: 'spec' });
  });

  it('folds requests that arrive during a run into one follow-up run', async () => {
    const layersModel = await startModel({ spec: fastSpec(), gated: true });
    const first = await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person('first')] });
    await layersModel.until((registry) => registry.runs[0]?.status === 'running');
    await layersModel.handle.signal(retrainSignal, drift('psi 0.3'));
    await layersModel.handle.signal(retrainSignal, drift('psi 0.5'));
    const follow = await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person('second')] });
    expect(follow.folded).toBe(true);
    expect(follow.runId).not.toBe(first.runId);
    const during = await layersModel.registry();
    expect(during.decisions.slice(1).map((d) => [d.decision, d.runId])).toEqual([
      ['folded', follow.runId],
      ['folded', follow.runId],
      ['folded', follow.runId],
    ]);
    layersModel.release();
    await layersModel.until((registry) => registry.runs.length === 2);
    layersModel.release();
    const registry = await layersModel.until(lastRunDone(2));
    expect(registry.runs.map((run) => run.runId)).toEqual([first.runId, follow.runId]);
    // The person's request goes first, although it came last: a run takes its first request's settings.
    expect(registry.runs[1]?.requests.map((r) => r.reason)).toEqual(['second', 'psi 0.3', 'psi 0.5']);
    expect(registry.runs.map((run) => run.version)).toEqual([1, 2]);
  });

  it('ignores automatic signals while paused, but not a person’s request', async () => {
    const layersModel = await startModel({ spec: fastSpec() });
    expect(await layersModel.handle.executeUpdate(pauseUpdate, { args: [{ paused: true }] })).toEqual({ paused: true });
    await layersModel.handle.signal(retrainSignal, drift());
    const ignored = await layersModel.until((registry) => registry.decisions.length === 1);
    expect(ignored.decisions[0]).toMatchObject({ decision: 'ignored-paused', reason: 'automatic retraining is paused' });
    expect(ignored.runs).toEqual([]);
    expect(layersModel.writes.at(-1)?.paused).toBe(true);
    await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person()] });
    const registry = await layersModel.untilPublished(lastRunDone(1));
    expect(registry.runs[0]?.status).toBe('registered');
  });

  it('ignores automatic signals inside the cooldown, and acts on them after it', async () => {
    const layersModel = await startModel({ spec: fastSpec({}, { cooldown: '1500ms' }) });
    await layersModel.handle.executeUpdate(requestRunUpdate, { args: [person()] });
    const after = await layersModel.until(lastRunDone(1));
    await layersModel.handle.signal(retrainSignal, drift('too soon'));
    const ignored = await layersModel.until((registry) => registry.decisions.length === 2);
    expect(ignored.decisions[1]).toMatchObject({ decision: 'ignored-cooldown' });
    expect(ignored.decisions[1]?.reason).toBe(`inside the cooldown after the last run, until ${new Date(Date.parse(after.lastRunFinishedAt!) + 1500).toISOString()}`);
    const wait = Date.parse(after.lastRunFinishedAt!) + 1500 - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait) + 50));
    await layersModel.handle.signal(retrainSignal, drift('later'));
    const registry = await layersModel.until(lastRunDone(2));
    expect(registry.decisions[2]).toMatchObject({ decision: 'scheduled' });
    expect(registry.runs[1]?.requests.map((r) => r.reason)).toEqual(['later']);
  });
});

/** A promise with its resolve function (Promise.withResolvers needs Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function quietLogger() {
  const quiet = () => undefined;
  return { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (message: string) => console.error(message) };
}
