/**
 * The faults the production topology makes possible, each in the middle of a real flight-delay
 * run on worker processes: PostgreSQL killed and started again, one of MinIO's four drive folders
 * removed (then replaced by an empty one, which healing fills), and one of two general workers
 * killed while the other keeps polling. Nothing may be lost: every run registers one version.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PipelineSpecInput } from '../../contracts/pipeline-spec.js';
import { BUCKETS } from '../../contracts/stack.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { connectTemporal, uniqueId } from '../../harness/temporal.js';
import { startWorkerProcess } from '../../harness/worker-process.js';
import flightDelay from '../../pipelines/flight-delay.js';
import { parsePipelineSpec } from '../../pipelines/index.js';
import { storePipelineSpec } from '../../pipelines/user-pipelines.js';
import { stopService } from '../../stack/local-stack.js';
import { minioDriveDir } from '../../stack/production-stack.js';
import { ObjectStore } from '../../storage/gateway.js';
import { activityAttempts, recordFault, restartService, untilActivityRunning, verifyArtifacts } from '../faults/support.js';

const stack = inject('stack');
// A model of its own, stored in MinIO where the worker processes resolve it by name.
const MODEL = `prod-faults-${randomUUID().slice(0, 8)}`;
// 50,000 real flights: every data step runs for a second or more, long enough to be caught in.
const FAULT_RUN = { source: { limit: 50_000 }, training: { epochs: 12, earlyStopPatience: 0 }, evaluation: { threshold: 0.5, maxRegression: 1 }, deploy: { soak: '1 second' } };
const queues = { taskQueue: uniqueId('general'), trainTaskQueue: uniqueId('train') };
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
const workers = new Map<string, ResultPromise>();

async function startWorker(name: string, role: 'general' | 'trainer'): Promise<void> {
  const { process } = await startWorkerProcess(stack, ['--role', role, '--task-queue', queues.taskQueue, '--train-task-queue', queues.trainTaskQueue]);
  workers.set(name, process);
}

beforeAll(async () => {
  if (!stack.production) throw new Error('the production tier runs on the production topology (vitest.production.config.ts)');
  temporal = await connectTemporal(stack);
  const input: PipelineSpecInput = { ...flightDelay, name: MODEL };
  await storePipelineSpec(new ObjectStore(stack.minio), { path: 'pipelines/flight-delay.ts', input, spec: parsePipelineSpec(input) });
  await Promise.all([startWorker('general-1', 'general'), startWorker('general-2', 'general'), startWorker('trainer', 'trainer')]);
});
afterAll(async () => {
  for (const child of workers.values()) {
    child.kill('SIGTERM');
    await child;
  }
  await temporal?.close();
});

let seed = 0;
/** A run with a seed of its own: an identical model would not be registered twice. */
async function startRun(reason: string): Promise<string> {
  seed += 1;
  const overrides = { ...FAULT_RUN, training: { ...FAULT_RUN.training, seed } };
  const { runId } = await requestRun(temporal.client, MODEL, { source: 'cli', reason, cache: { enabled: false }, overrides }, queues);
  return runId;
}

/** Object shards (`xl.meta` files) on one drive, as paths inside the drive. */
async function shards(drive: string): Promise<Set<string>> {
  const entries = await readdir(drive, { recursive: true, withFileTypes: true }).catch(() => []);
  return new Set(entries.filter((entry) => entry.isFile() && entry.name === 'xl.meta').map((entry) => relative(drive, join(entry.parentPath, entry.name))).filter((path) => !path.startsWith('.minio.sys')));
}

describe.sequential('faults of the production topology, mid-run', () => {
  it('PostgreSQL killed in training and started again 3 s later: the run finishes with one version', async () => {
    const before = await readRegistry(temporal.client, MODEL).catch(() => undefined);
    const runId = await startRun('fault: PostgreSQL killed during training');
    await untilActivityRunning(temporal.client, runId, 'train');
    expect(await stopService(stack.home, 'postgresql', 'kill')).toBe(true);
    await sleep(3_000);
    await restartService(stack, 'postgresql');
    const { run, registry } = await waitForRun(temporal.client, MODEL, runId);

    expect(run.status, run.error).toBe('registered');
    expect(registry.versions).toHaveLength((before?.versions.length ?? 0) + 1);
    expect(registry.versions.filter((version) => version.runId === runId)).toHaveLength(1);
    await recordFault({ fault: 'production: PostgreSQL SIGKILL during training, back after 3 s', injected: 1, runsCompleted: 1, versionsRegistered: 1, bytesVerified: 0, outcome: `registered v${run.version}` });
  });

  it('a MinIO drive folder removed in feature: the run goes on on three drives, and healing fills the empty folder put back', async () => {
    const drives = [1, 2, 3, 4].map((drive) => minioDriveDir(stack.home, drive));
    const runId = await startRun('fault: a MinIO drive removed');
    await untilActivityRunning(temporal.client, runId, 'feature');
    // What the drive holds as it goes: counted then, since MinIO may make the folder again and
    // heal it before the run ends (a fast run left nothing missing to count afterwards).
    const lost = (await shards(drives[2]!)).size;
    // Renamed away first: the drive is gone from MinIO's view at once, and MinIO writing into it
    // meanwhile (its trash folder) cannot fail the removal; that goes on with retries.
    await rename(drives[2]!, `${drives[2]!}.removed`);
    await rm(`${drives[2]!}.removed`, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    const { run, registry } = await waitForRun(temporal.client, MODEL, runId);
    expect(run.status, run.error).toBe('registered');
    expect(registry.versions.filter((version) => version.runId === runId)).toHaveLength(1);

    // The disk replaced by an empty one (MinIO may have made the folder again itself): it formats
    // the drive and heals every object back onto it.
    await mkdir(drives[2]!, { recursive: true });
    const expected = await shards(drives[0]!);
    // The drive held object shards when it was removed: the fault took effect.
    expect(lost).toBeGreaterThan(0);
    const deadline = Date.now() + 180_000;
    let missing = [...expected];
    while (missing.length > 0 && Date.now() < deadline) {
      await sleep(1_000);
      const healed = await shards(drives[2]!);
      missing = [...expected].filter((path) => !healed.has(path));
    }
    expect(missing, `shards not healed onto the new drive within 3 minutes (${missing.length} of ${expected.size})`).toEqual([]);
    // Every artifact still reads back whole, through the checksum check.
    const verified = await verifyArtifacts(new ObjectStore(stack.minio), BUCKETS.artifacts);
    expect(verified.verified).toBeGreaterThan(0);
    await recordFault({
      fault: 'production: one of four MinIO drive folders removed during feature, an empty one put back',
      injected: 1,
      runsCompleted: 1,
      versionsRegistered: 1,
      bytesVerified: verified.bytes,
      outcome: `registered v${run.version}; ${lost} of ${expected.size} object shards lost with the drive, all healed back`,
    });
  });

  it('one of two general workers killed in validate: the other takes the step over, nothing is lost', async () => {
    const runId = await startRun('fault: one of two general workers killed');
    await untilActivityRunning(temporal.client, runId, 'validate');
    const description = await temporal.client.workflow.getHandle(runId).describe();
    const holder = description.raw.pendingActivities?.find((activity) => activity.activityType?.name === 'validate')?.lastWorkerIdentity ?? '';
    // A worker's identity is `<pid>@<host>`: kill the process that holds the step.
    const [name, child] = [...workers].find(([, process]) => holder.startsWith(`${process.pid}@`)) ?? [];
    expect(child, `the worker holding validate (${holder}) is one of ours`).toBeDefined();
    child!.kill('SIGKILL');
    await child;
    workers.delete(name!);
    const { run, registry } = await waitForRun(temporal.client, MODEL, runId);
    const attempts = await activityAttempts(temporal.client, runId);

    expect(run.status, run.error).toBe('registered');
    expect(registry.versions.filter((version) => version.runId === runId)).toHaveLength(1);
    expect(attempts.validate).toBeGreaterThan(1);
    await recordFault({ fault: 'production: one of two general workers SIGKILL in validate', injected: 1, runsCompleted: 1, versionsRegistered: 1, bytesVerified: 0, outcome: `registered v${run.version}; validate ran again on the other worker` });
  });
});
