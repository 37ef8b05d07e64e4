import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Registry, RetrainRequest } from '../../contracts/model.js';
import { modelWorkflowId, pauseUpdate, registryQuery, retrainSignal } from '../../contracts/model.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { registerPipeline } from '../../pipelines/index.js';
import seattleTemperature from '../../pipelines/seattle-temperature.js';
import type { modelWorkflow } from '../../workflows/model.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';

const stack = inject('stack');
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;

/** A model of its own (a copy of the Seattle spec), so these tests own its model workflow. */
function registerModel(prefix: string): string {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  registerPipeline({
    ...seattleTemperature,
    name,
    training: { ...seattleTemperature.training, epochs: 10 },
    deploy: { ...seattleTemperature.deploy, soak: '1 second' },
    drift: { ...seattleTemperature.drift, debounce: '3 seconds', cooldown: '1 hour' },
  });
  return name;
}

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
});
afterAll(async () => {
  await workers.stop();
  await temporal.close();
});

const drift = (reason: string): RetrainRequest => ({ reason, source: 'drift' });

async function signal(modelName: string, request: RetrainRequest): Promise<void> {
  await temporal.client.workflow.signalWithStart<typeof modelWorkflow, [RetrainRequest]>('modelWorkflow', {
    workflowId: modelWorkflowId(modelName),
    taskQueue: workers.taskQueue,
    args: [{ modelName, trainTaskQueue: workers.trainTaskQueue }],
    signal: retrainSignal,
    signalArgs: [request],
  });
}

async function until(modelName: string, done: (registry: Registry) => boolean): Promise<Registry> {
  for (;;) {
    const registry = await readRegistry(temporal.client, modelName).catch(() => undefined);
    if (registry && done(registry)) return registry;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const finished = (registry: Registry): number => registry.runs.filter((run) => run.finishedAt).length;

describe.sequential('retraining decisions of the model workflow', () => {
  const modelName = registerModel('decisions');

  it('folds ten signals within the debounce window into one run', async () => {
    for (let i = 0; i < 10; i++) await signal(modelName, drift(`burst ${i}`));
    const registry = await until(modelName, (r) => finished(r) === 1);

    expect(registry.runs).toHaveLength(1);
    expect(registry.decisions.map((d) => d.decision)).toEqual(['scheduled', ...new Array<string>(9).fill('debounced')]);
    expect(new Set(registry.decisions.map((d) => d.runId))).toEqual(new Set([registry.runs[0]!.runId]));
    expect(registry.runs[0]!.requests).toHaveLength(10);
  });

  it('starts nothing for a signal inside the cooldown, and says why', async () => {
    await signal(modelName, drift('right after the run'));
    const registry = await until(modelName, (r) => r.decisions.length === 11);

    const last = registry.decisions.at(-1)!;
    expect(last.decision).toBe('ignored-cooldown');
    expect(last.reason).toMatch(/inside the cooldown after the last run, until \d{4}-/);
    expect(registry.runs).toHaveLength(1);
  });

  it('folds signals that arrive during a run into exactly one follow-up run', async () => {
    const { runId } = await requestRun(temporal.client, modelName, { reason: 'explicit', source: 'cli' }, workers);
    await until(modelName, (r) => r.runs.some((run) => run.runId === runId && run.status === 'running'));
    for (let i = 0; i < 3; i++) await signal(modelName, drift(`during the run ${i}`));
    await waitForRun(temporal.client, modelName, runId);
    const registry = await until(modelName, (r) => finished(r) === 3);

    const folded = registry.decisions.filter((d) => d.decision === 'folded');
    expect(folded).toHaveLength(3);
    expect(new Set(folded.map((d) => d.runId)).size).toBe(1);
    expect(registry.runs.map((run) => run.runId)).toEqual([registry.runs[0]!.runId, runId, folded[0]!.runId]);
    // Nothing else queued afterwards.
    expect((await temporal.client.workflow.getHandle(modelWorkflowId(modelName)).query(registryQuery)).runs).toHaveLength(3);
  });

  it('records automatic signals without acting on them while retraining is paused', async () => {
    const handle = temporal.client.workflow.getHandle(modelWorkflowId(modelName));
    await handle.executeUpdate(pauseUpdate, { args: [{ paused: true }] });
    await signal(modelName, drift('while paused'));
    const registry = await until(modelName, (r) => r.decisions.at(-1)?.request.reason === 'while paused');
    await handle.executeUpdate(pauseUpdate, { args: [{ paused: false }] });

    expect(registry.decisions.at(-1)?.decision).toBe('ignored-paused');
    expect(registry.runs).toHaveLength(3);
  });
});

describe('continue-as-new', () => {
  it('continues as new after its runs and keeps its registry', async () => {
    const modelName = registerModel('continues');
    const handle = await temporal.client.workflow.start<typeof modelWorkflow>('modelWorkflow', {
      workflowId: modelWorkflowId(modelName),
      taskQueue: workers.taskQueue,
      args: [{ modelName, trainTaskQueue: workers.trainTaskQueue, continueAsNewAfterRuns: 1 }],
    });
    const { runId } = await requestRun(temporal.client, modelName, { reason: 'first', source: 'cli' }, workers);
    await waitForRun(temporal.client, modelName, runId);
    for (;;) {
      const description = await temporal.client.workflow.getHandle(modelWorkflowId(modelName)).describe();
      if (description.runId !== handle.firstExecutionRunId) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const registry = await readRegistry(temporal.client, modelName);

    expect(registry.versions).toHaveLength(1);
    expect(registry.aliases.production).toBe(1);
    expect(registry.runs.map((run) => run.runId)).toEqual([runId]);
    expect(registry.decisions).toHaveLength(1);
  });
});
