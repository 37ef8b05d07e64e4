import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { execa } from 'execa';
import { DEV_MINIO_CREDENTIALS } from '../../contracts/stack.js';
import { registerPipeline } from '../../pipelines/index.js';
import seattleTemperature from '../../pipelines/seattle-temperature.js';
import type { ServiceName, StackLayout } from '../../stack/local-stack.js';
import { readState, startService, stopService } from '../../stack/local-stack.js';
import { PROJECT_ROOT } from '../../stack/paths.js';
import { startProductionService } from '../../stack/production-stack.js';
import type { ObjectStore as StorageClient } from '../../storage/gateway.js';
import type { TestStack } from '../../harness/test-stack.js';
import { uniqueId } from '../../harness/temporal.js';
import { startWorkerProcess } from '../../harness/worker-process.js';

/** One line of the fault suite's summary, written by each test, printed by the fault suite's teardown. */
export interface FaultRow {
  fault: string;
  injected: number;
  runsCompleted: number;
  versionsRegistered: number;
  bytesVerified: number;
  outcome: string;
}

const CLI = fileURLToPath(new URL('../../bin/ctrain.js', import.meta.url));

export const FAULT_SUMMARY = join(PROJECT_ROOT, 'test-output', 'fault-summary.jsonl');
/** What the bad-input catalogue (test/support/bad-input-catalogue.ts, in the main suite) observed: one JSON line per input. */
export const BAD_INPUTS_SUMMARY = join(PROJECT_ROOT, 'test-output', 'bad-inputs.jsonl');

const PRODUCTION_PREFIX = 'production: ';

export async function recordFault(row: FaultRow): Promise<void> {
  await mkdir(join(PROJECT_ROOT, 'test-output'), { recursive: true });
  // The same faults also run on the production topology (vitest.production.config.ts): its rows say so.
  const production = process.env.CTRAIN_TEST_TOPOLOGY === 'production' && !row.fault.startsWith(PRODUCTION_PREFIX);
  await appendFile(FAULT_SUMMARY, `${JSON.stringify(production ? { ...row, fault: `${PRODUCTION_PREFIX}${row.fault}` } : row)}\n`);
}

async function layoutOf(stack: TestStack): Promise<StackLayout> {
  const state = await readState(stack.home);
  if (!state) throw new Error(`no stack state in ${stack.home}`);
  return { home: stack.home, ports: state.ports, minio: { ...DEV_MINIO_CREDENTIALS } };
}

/** Takes a service of the harness's stack away (SIGKILL: a crash, not a shutdown) and brings it back after `downMs`. */
export async function crashService(stack: TestStack, name: ServiceName, downMs: number): Promise<void> {
  if (!(await stopService(stack.home, name, 'kill'))) throw new Error(`${name} was not running`);
  await sleep(downMs);
  await restartService(stack, name);
}

/** Starts a service of the harness's stack again, on its ports and data, by the launcher of the stack's topology. */
export async function restartService(stack: TestStack, name: ServiceName): Promise<void> {
  if (stack.production) {
    await startProductionService(stack.production.layout, { ...stack.tools, ...stack.production.tools }, name);
    return;
  }
  if (name !== 'temporal' && name !== 'minio') throw new Error(`the embedded stack has no ${name}`);
  await startService(await layoutOf(stack), stack.tools, name);
}

/** A general and a trainer worker, each in its own process on unique queues, so a test can kill either. */
export class WorkerProcesses {
  readonly taskQueue = uniqueId('general');
  readonly trainTaskQueue = uniqueId('train');
  private processes: Partial<Record<'general' | 'trainer', ResultPromise>> = {};

  constructor(private readonly stack: TestStack) {}

  async start(role: 'general' | 'trainer'): Promise<void> {
    const { process } = await startWorkerProcess(this.stack, ['--role', role, '--task-queue', this.taskQueue, '--train-task-queue', this.trainTaskQueue]);
    this.processes[role] = process;
  }

  /** SIGKILL: the worker gets no chance to finish or hand back what it holds. */
  async kill(role: 'general' | 'trainer'): Promise<void> {
    const child = this.processes[role];
    if (!child) throw new Error(`no ${role} worker running`);
    child.kill('SIGKILL');
    await child;
    delete this.processes[role];
  }

  async stop(): Promise<void> {
    for (const child of Object.values(this.processes)) {
      child.kill('SIGTERM');
      await child;
    }
    this.processes = {};
  }
}

/** Waits until the workflow has an activity of this type running on a worker; answers with its attempt. */
export async function untilActivityRunning(client: Client, workflowId: string, activityType: string): Promise<number> {
  for (;;) {
    const description = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
    if (description && description.status.name !== 'RUNNING') throw new Error(`${workflowId} ended (${description.status.name}) before ${activityType} ran`);
    const activity = description?.raw.pendingActivities?.find((pending) => pending.activityType?.name === activityType);
    // PENDING_ACTIVITY_STATE_STARTED: a worker has it.
    if (activity && Number(activity.state) === 2) return activity.attempt ?? 1;
    await sleep(20);
  }
}

/** Attempts of each activity type in a workflow's history: a step a fault hit was attempted more than once. */
export async function activityAttempts(client: Client, workflowId: string): Promise<Record<string, number>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const attempts: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type) scheduled.set(String(event.eventId), type);
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const name = scheduled.get(String(started.scheduledEventId)) ?? 'unknown';
      attempts[name] = Math.max(attempts[name] ?? 0, started.attempt ?? 1);
    }
  }
  return attempts;
}

/** Reads every artifact in the bucket through the checksum check; answers how many carried a checksum and their bytes. */
export async function verifyArtifacts(storage: StorageClient, bucket: string): Promise<{ objects: number; verified: number; bytes: number }> {
  let objects = 0;
  let verified = 0;
  let bytes = 0;
  for (const key of await storage.listKeys({ bucket, prefix: '' })) {
    objects += 1;
    const stored = await storage.stat({ bucket, key });
    const body = await storage.getBuffer({ bucket, key });
    if (stored?.sha256) {
      verified += 1;
      bytes += body.length;
    }
  }
  return { objects, verified, bytes };
}

/** `ctrain serve` in its own process on a free port, so a test can SIGKILL it; ready once it listens. */
export async function startServeProcess(stack: TestStack, models: string[], port: number): Promise<{ process: ResultPromise; url: string }> {
  const child = execa(process.execPath, [CLI, 'serve', '--port', String(port), '--models', ...models, '--log-level', 'warn'], {
    env: { CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint, CTRAIN_MINIO_ACCESS_KEY: stack.minio.accessKey, CTRAIN_MINIO_SECRET_KEY: stack.minio.secretKey },
    reject: false,
    buffer: false,
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`ctrain serve exited with ${code} before it listened: ${seen}`)));
  });
  return { process: child, url };
}

/**
 * A copy of the seattle-temperature spec under its own name, for this process's in-process
 * workers: each fault file then drives a model workflow of its own, on its own task queues.
 */
export function faultModel(name: string): string {
  registerPipeline({ ...seattleTemperature, name });
  return name;
}
