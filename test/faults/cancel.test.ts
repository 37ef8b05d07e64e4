import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../contracts/stack.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { ctrain } from '../support/ctrain-cli.js';
import { untilEpoch } from '../support/run-progress.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import { faultModel, recordFault } from './support.js';
import { ObjectStore } from '../../storage/gateway.js';

const stack = inject('stack');
const MODEL = faultModel('fault-cancel');
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

/** Keys of every training checkpoint kept for this run. */
async function checkpointsOf(runId: string): Promise<string[]> {
  const keys = await new ObjectStore(stack.minio).listKeys({ bucket: BUCKETS.artifacts, prefix: 'steps/train/' });
  return keys.filter((key) => key.endsWith(`/checkpoints/${runId}.bin`));
}

describe('cancelling a run from the CLI during training', () => {
  it('stops training, removes its checkpoint, records the run as cancelled and leaves the registry as it was', async () => {
    const first = await requestRun(temporal.client, MODEL, { source: 'cli', reason: 'a model in production first', overrides: { training: { epochs: 3 } } }, workers);
    await waitForRun(temporal.client, MODEL, first.runId);
    const before = await readRegistry(temporal.client, MODEL);

    const { runId } = await requestRun(temporal.client, MODEL, { source: 'cli', reason: 'to be cancelled', overrides: { training: { epochs: 400, earlyStopPatience: 0, seed: 3 } } }, workers);
    await untilEpoch(temporal.client, runId, 2);
    expect(await checkpointsOf(runId)).toHaveLength(1);
    const cancelled = await ctrain(['cancel', runId], { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress });
    const { run, registry } = await waitForRun(temporal.client, MODEL, runId);
    const history = await temporal.client.workflow.getHandle(runId).fetchHistory();
    const trainCancelled = history.events?.some((event) => event.activityTaskCanceledEventAttributes) ?? false;

    expect(cancelled.stdout, cancelled.stderr).toBe(`${runId}: cancelled`);
    expect(cancelled.exitCode).toBe(0);
    expect(run.status).toBe('cancelled');
    // The training activity acknowledged the cancellation (it did not run on to its 400 epochs).
    expect(trainCancelled).toBe(true);
    expect(await checkpointsOf(runId)).toEqual([]);
    expect(registry.versions).toEqual(before.versions);
    expect(registry.aliases).toEqual(before.aliases);
    await recordFault({ fault: 'run cancelled from the CLI during training', injected: 1, runsCompleted: 1, versionsRegistered: 0, bytesVerified: 0, outcome: 'cancelled; checkpoint removed; registry unchanged' });
  });

  it('refuses to cancel a run that has finished, and says so', async () => {
    const { registry } = { registry: await readRegistry(temporal.client, MODEL) };
    const done = registry.runs.find((candidate) => candidate.status === 'registered')!;
    const result = await ctrain(['cancel', done.runId], { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`run ${done.runId} is completed, so there is nothing to cancel`);
  });
});
