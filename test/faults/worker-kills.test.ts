import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PipelineRunResult, StepName } from '../../contracts/pipeline-run.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { untilEpoch } from '../support/run-progress.js';
import { connectTemporal } from '../../harness/temporal.js';
import { activityAttempts, recordFault, untilActivityRunning, WorkerProcesses } from './support.js';

const stack = inject('stack');
const MODEL = 'flight-delay';
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: WorkerProcesses;

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  workers = new WorkerProcesses(stack);
  await workers.start('general');
  await workers.start('trainer');
});
afterAll(async () => {
  await workers?.stop();
  await temporal?.close();
});

// 50,000 real flights: every data step runs for a second or more, long enough to be caught in.
const FAULT_RUN = { source: { limit: 50_000 }, training: { epochs: 12, earlyStopPatience: 0 }, evaluation: { threshold: 0.5 } };
const DATA_STEPS: StepName[] = ['ingest', 'validate', 'feature', 'evaluate'];

describe.sequential('SIGKILL of a worker in every DAG step', () => {
  it('finishes a run whose worker is killed in ingest, validate, feature, train and evaluate, with one version and at most one epoch lost', async () => {
    const { runId } = await requestRun(temporal.client, MODEL, { source: 'cli', reason: 'fault: a worker killed in every step', cache: { enabled: false }, overrides: FAULT_RUN }, workers);
    let killedAtEpoch = 0;
    for (const step of ['ingest', 'validate', 'feature', 'train', 'evaluate'] as const) {
      if (step === 'train') {
        killedAtEpoch = await untilEpoch(temporal.client, runId, 1);
        await workers.kill('trainer');
        await workers.start('trainer');
      } else {
        await untilActivityRunning(temporal.client, runId, step);
        await workers.kill('general');
        await workers.start('general');
      }
    }
    const { run, registry } = await waitForRun(temporal.client, MODEL, runId);
    const result = (await temporal.client.workflow.getHandle(runId).result()) as PipelineRunResult;
    const attempts = await activityAttempts(temporal.client, runId);

    expect(run.status, run.error).toBe('registered');
    expect(registry.versions.filter((version) => version.runId === runId)).toHaveLength(1);
    // Each step the kill hit ran again on the new worker.
    for (const step of [...DATA_STEPS, 'train']) expect(attempts[step], step).toBeGreaterThan(1);
    // Killed after the checkpoint of `killedAtEpoch`: at most the epoch in progress is lost.
    expect(result.train.resumedFromEpoch).toBeGreaterThanOrEqual(killedAtEpoch);
    expect(result.train.epochsRun).toBe(12);
    await recordFault({ fault: 'worker SIGKILL in ingest, validate, feature, train, evaluate', injected: 5, runsCompleted: 1, versionsRegistered: 1, bytesVerified: 0, outcome: `registered v${run.version}; train resumed from epoch ${result.train.resumedFromEpoch} (killed after ${killedAtEpoch})` });
  });

  it('registers and deploys exactly once when the workflow worker is killed during the canary soak', async () => {
    const before = await readRegistry(temporal.client, MODEL);
    const { runId } = await requestRun(
      temporal.client,
      MODEL,
      { source: 'cli', reason: 'fault: kill during deploy', overrides: { ...FAULT_RUN, training: { epochs: 2, earlyStopPatience: 0, seed: 11 }, evaluation: { threshold: 0.5, maxRegression: 1 }, deploy: { soak: '10 seconds', canaryPercent: 50 } } },
      workers,
    );
    await untilCanary(runId);
    await workers.kill('general');
    await workers.start('general');
    const { run, registry } = await waitForRun(temporal.client, MODEL, runId);

    expect(run.status, run.error).toBe('registered');
    expect(registry.versions).toHaveLength(before.versions.length + 1);
    expect(registry.versions.filter((version) => version.runId === runId)).toHaveLength(1);
    expect(registry.aliases).toEqual({ production: run.version, previous: before.aliases.production });
    await recordFault({ fault: 'worker SIGKILL during the canary soak (register, deploy)', injected: 1, runsCompleted: 1, versionsRegistered: 1, bytesVerified: 0, outcome: `promoted v${run.version} once` });
  });
});

/** Waits until the run's version is the canary: registered, and in the deploy step's soak. */
async function untilCanary(runId: string): Promise<void> {
  for (;;) {
    const registry = await readRegistry(temporal.client, MODEL);
    const version = registry.versions.find((candidate) => candidate.runId === runId);
    if (version && registry.aliases.canary === version.version) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
