import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Registry, RetrainRequest } from '../../contracts/model.js';
import { modelWorkflowId, retrainSignal } from '../../contracts/model.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import type { modelWorkflow } from '../../workflows/model.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import { crashService, faultModel, recordFault, untilActivityRunning } from './support.js';

const stack = inject('stack');
const MODEL = faultModel('fault-restart');
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
});
afterAll(async () => {
  await workers?.stop();
  await temporal?.close();
});

/** The registry once `done` holds; reads fail while the server is away, so they are retried. */
async function until(done: (registry: Registry) => boolean): Promise<Registry> {
  for (;;) {
    const registry = await readRegistry(temporal.client, MODEL).catch(() => undefined);
    if (registry && done(registry)) return registry;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.sequential('the Temporal server killed and restarted on its SQLite file', () => {
  it('mid-retraining-decision: a drift signal waiting out its debounce window starts exactly one run after the restart', async () => {
    const request: RetrainRequest = { source: 'drift', reason: 'fault: server restart inside the debounce window' };
    await temporal.client.workflow.signalWithStart<typeof modelWorkflow, [RetrainRequest]>('modelWorkflow', {
      workflowId: modelWorkflowId(MODEL),
      taskQueue: workers.taskQueue,
      args: [{ modelName: MODEL, trainTaskQueue: workers.trainTaskQueue }],
      signal: retrainSignal,
      signalArgs: [request],
    });
    // Scheduled after the spec's 10-second debounce window; the server goes down inside it.
    const scheduled = await until((registry) => registry.decisions.some((decision) => decision.decision === 'scheduled'));
    expect(scheduled.runs).toHaveLength(0);
    await crashService(stack, 'temporal', 1_000);

    const registry = await until((current) => current.runs.length === 1 && current.runs[0]!.finishedAt !== undefined);
    expect(registry.runs[0]!.status, registry.runs[0]!.error).toBe('registered');
    expect(registry.runs[0]!.requests.map((r) => r.reason)).toEqual([request.reason]);
    expect(registry.versions).toHaveLength(1);
    await recordFault({ fault: 'Temporal server SIGKILL + restart inside a debounce window', injected: 1, runsCompleted: 1, versionsRegistered: 1, bytesVerified: 0, outcome: 'one run started after the restart' });
  });

  it('mid-run: a run in training when the server dies finishes after the restart, with one version', async () => {
    const before = await readRegistry(temporal.client, MODEL);
    const { runId } = await requestRun(
      temporal.client,
      MODEL,
      { source: 'cli', reason: 'fault: server restart during training', overrides: { training: { epochs: 200, earlyStopPatience: 0, seed: 5 }, evaluation: { maxRegression: 100 }, deploy: { soak: '1 second' } } },
      workers,
    );
    await untilActivityRunning(temporal.client, runId, 'train');
    await crashService(stack, 'temporal', 1_000);
    const { run, registry } = await waitForRun(temporal.client, MODEL, runId);

    expect(run.status, run.error).toBe('registered');
    expect(registry.versions).toHaveLength(before.versions.length + 1);
    expect(registry.versions.filter((version) => version.runId === runId)).toHaveLength(1);
    await recordFault({ fault: 'Temporal server SIGKILL + restart during training', injected: 1, runsCompleted: 1, versionsRegistered: 1, bytesVerified: 0, outcome: `registered v${run.version}` });
  });
});
