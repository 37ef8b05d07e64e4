/**
 * A short workflow a command starts and waits for, with a deadline: it fails at once when no
 * worker takes it, and is never left behind to run later, unasked.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { NoWorkerError, WaitTimeoutError } from './hinted-errors.js';
import { WORKER_PROBE_MS } from './worker-presence.js';

export interface BoundedStart {
  workflowId: string;
  taskQueue: string;
  args: unknown[];
  /** How long to wait for the result; then the workflow is terminated. */
  timeoutMs: number;
  /** What the workflow does, for messages: "the drift check of seattle-live". */
  what: string;
  /** The Temporal frontend, for the message. */
  address: string;
  /** A workflow no worker has taken within this long is taken as unserved. Default {@link WORKER_PROBE_MS}. */
  pickupMs?: number;
  /** Hint when the deadline passes. */
  hint?: string;
}

/** The server ends the workflow this long after the caller's deadline, should the caller die before terminating it. */
const SERVER_GRACE_MS = 10_000;

/**
 * Starts `workflowType` and answers its result. Throws {@link NoWorkerError} when no worker has
 * taken its first task within `pickupMs`, {@link WaitTimeoutError} when `timeoutMs` passes; either
 * way the workflow is terminated. Its execution timeout (`timeoutMs` and a few seconds) ends it on
 * the server should this process die first.
 */
export async function executeBounded<R>(client: Client, workflowType: string, start: BoundedStart): Promise<R> {
  const { workflowId, taskQueue, args, timeoutMs, what, address } = start;
  const deadline = Date.now() + timeoutMs;
  const handle = await client.workflow.start(workflowType, { workflowId, taskQueue, args, workflowExecutionTimeout: timeoutMs + SERVER_GRACE_MS });
  const result = handle.result() as Promise<R>;
  const settled = result.then(
    () => true,
    () => true,
  );
  // Timers are cancelled on the way out, so none keeps the process alive after the answer.
  const timers = new AbortController();
  const elapsed = (ms: number): Promise<false> => sleep(ms, false as const, { signal: timers.signal }).catch(() => false as const);
  try {
    const pickupMs = Math.min(start.pickupMs ?? WORKER_PROBE_MS, timeoutMs);
    if (!(await Promise.race([settled, elapsed(pickupMs)]))) {
      // A live worker takes a new workflow's first task in milliseconds: still only "started" and "task scheduled" means none did.
      const { historyLength, status } = await handle.describe();
      if (status.name === 'RUNNING' && historyLength <= 2) throw new NoWorkerError(taskQueue, address, `no worker took ${what} (${workflowId}) within ${seconds(pickupMs)}; stopped it`);
    }
    const left = deadline - Date.now();
    if (!(await Promise.race([settled, elapsed(Math.max(left, 0))]))) {
      throw new WaitTimeoutError(
        `${what} (${workflowId}) did not finish within ${seconds(timeoutMs)}; stopped it`,
        start.hint ?? 'give it longer with --timeout, or look at the workflow in the Temporal Web UI',
      );
    }
    return await result;
  } catch (error) {
    if (error instanceof NoWorkerError || error instanceof WaitTimeoutError) await handle.terminate(`the command that started it gave up: ${error.message}`).catch(() => undefined);
    throw error;
  } finally {
    timers.abort();
  }
}

const seconds = (ms: number): string => (ms % 60_000 === 0 && ms >= 60_000 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`);
