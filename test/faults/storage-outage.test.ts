import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../contracts/stack.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import { crashService, faultModel, recordFault, untilActivityRunning, verifyArtifacts } from './support.js';
import { ObjectStore } from '../../storage/gateway.js';

const stack = inject('stack');
const MODEL = faultModel('fault-storage');
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

describe('MinIO taken away for 30 seconds mid-run', () => {
  it('retries with backoff, finishes the run with one version, and every artifact matches its checksum', async () => {
    const before = await readRegistry(temporal.client, MODEL).catch(() => undefined);
    const { runId } = await requestRun(
      temporal.client,
      MODEL,
      { source: 'cli', reason: 'fault: storage outage during training', cache: { enabled: false }, overrides: { training: { epochs: 200, earlyStopPatience: 0, seed: 13 }, evaluation: { maxRegression: 100 }, deploy: { soak: '1 second' } } },
      workers,
    );
    // Training checkpoints every epoch, so the outage hits its writes.
    await untilActivityRunning(temporal.client, runId, 'train');
    await crashService(stack, 'minio', 30_000);
    const { run, registry } = await waitForRun(temporal.client, MODEL, runId);
    const checked = await Promise.all([BUCKETS.artifacts, BUCKETS.registry].map((bucket) => verifyArtifacts(new ObjectStore(stack.minio), bucket)));

    expect(run.status, run.error).toBe('registered');
    expect(registry.versions).toHaveLength((before?.versions.length ?? 0) + 1);
    expect(registry.versions.filter((version) => version.runId === runId)).toHaveLength(1);
    const verified = checked.reduce((sum, bucket) => sum + bucket.verified, 0);
    const bytes = checked.reduce((sum, bucket) => sum + bucket.bytes, 0);
    expect(verified).toBeGreaterThan(10);
    await recordFault({ fault: 'MinIO SIGKILL, 30 s down, during training', injected: 1, runsCompleted: 1, versionsRegistered: 1, bytesVerified: bytes, outcome: `registered v${run.version}; ${verified} artifacts match their SHA-256` });
  });
});
