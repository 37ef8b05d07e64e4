/**
 * Whether a worker is there to serve a command, asked before the command waits on one: Temporal
 * accepts queries, updates and new workflows on a task queue nobody polls, and leaves them waiting.
 * It loads no Temporal client (its one is passed in): CLI commands import it when they run.
 */
import type { Client } from '@temporalio/client';
import { modelWorkflowId } from '../contracts/model.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import { NoWorkerError, WaitTimeoutError } from './hinted-errors.js';

/**
 * A poller counts as live when it began a poll within this long. A live worker starts a new long
 * poll at least every minute (the server answers an idle one after about 60 s), so its last poll
 * is never older than that; the server keeps listing a stopped worker's pollers for 5 minutes.
 */
export const LIVE_POLLER_MS = 75_000;

/** How long a query that only proves a worker is there may take. */
export const WORKER_PROBE_MS = 4_000;

const TASK_TYPES = { workflow: 1, activity: 2 } as const;
/** gRPC CANCELLED and DEADLINE_EXCEEDED: the client ends a call past `withDeadline` with one or the other. */
const ENDED_BY_DEADLINE = new Set([1, 4]);

export interface PollerSeen {
  identity: string;
  /** The kind of tasks it polls for. */
  type: keyof typeof TASK_TYPES;
  /** When it last began a poll, as the server remembers it. */
  lastAccessTime?: Date;
}

export interface WorkerPresence {
  taskQueue: string;
  /** Every poller the server still lists, live or not. */
  pollers: PollerSeen[];
  /** Whether a poller of workflow tasks and one of activity tasks began a poll within {@link LIVE_POLLER_MS}. */
  live: boolean;
  /** The task types no live poller serves. */
  missing: (keyof typeof TASK_TYPES)[];
}

export interface PresenceOptions {
  /** The Temporal frontend, for the message; default: the client connection's address. */
  address?: string;
  liveWithinMs?: number;
  now?: Date;
}

/** Which workers poll `taskQueue`, from the server's describeTaskQueue for workflow and activity tasks. */
export async function workerPresence(client: Client, taskQueue: string, { liveWithinMs = LIVE_POLLER_MS, now = new Date() }: PresenceOptions = {}): Promise<WorkerPresence> {
  const pollers: PollerSeen[] = [];
  const missing: (keyof typeof TASK_TYPES)[] = [];
  for (const [type, taskQueueType] of Object.entries(TASK_TYPES) as [keyof typeof TASK_TYPES, number][]) {
    const { pollers: listed } = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: taskQueue, kind: 1 }, taskQueueType });
    const seen = listed.map((poller) => ({ identity: poller.identity ?? '', type, lastAccessTime: dateOf(poller.lastAccessTime) }));
    pollers.push(...seen);
    if (!seen.some((poller) => poller.lastAccessTime && now.getTime() - poller.lastAccessTime.getTime() <= liveWithinMs)) missing.push(type);
  }
  return { taskQueue, pollers, live: missing.length === 0, missing };
}

/**
 * Throws {@link NoWorkerError} at once unless a live worker polls `taskQueue` for workflow and
 * activity tasks. Call it before any query, update or workflow a command would wait on.
 * A worker stopped less than {@link LIVE_POLLER_MS} ago still passes: bound the wait that
 * follows with {@link withWorkerDeadline}.
 */
export async function requireWorker(client: Client, taskQueue: string, options: PresenceOptions = {}): Promise<WorkerPresence> {
  const presence = await workerPresence(client, taskQueue, options);
  if (!presence.live) {
    const detail = presence.missing.length === 1 ? `nothing polls its ${presence.missing[0]} tasks` : undefined;
    throw new NoWorkerError(taskQueue, addressOf(client, options), detail);
  }
  return presence;
}

/**
 * {@link requireWorker} for the task queue of an existing workflow (read from the server), then a
 * query of at most {@link WORKER_PROBE_MS} that only a worker can answer, which catches a worker
 * that stopped within the last minute. Answers with the workflow's task queue. A workflow that
 * does not exist throws the client's WorkflowNotFoundError.
 */
export async function requireWorkerFor(client: Client, workflowId: string, options: PresenceOptions & { probeMs?: number } = {}): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  const { taskQueue } = await handle.describe();
  await requireWorker(client, taskQueue, options);
  const probeMs = options.probeMs ?? WORKER_PROBE_MS;
  // A live worker answers in milliseconds: no answer means the poller the server still lists has gone.
  const deadline = Date.now() + probeMs;
  try {
    await client.withDeadline(deadline, () => handle.query('__stack_trace'));
  } catch (error) {
    if (isNoWorkerAnswer(error, deadline)) throw new NoWorkerError(taskQueue, addressOf(client, options), `${workflowId} did not answer a query within ${seconds(probeMs)}`, { cause: error });
    throw error;
  }
  return taskQueue;
}

/**
 * Runs `call` (a query, an update) with a deadline of `ms`. The server's "no poller seen", or the
 * deadline reached while no live worker polls `taskQueue`, becomes {@link NoWorkerError}; the
 * deadline reached while a worker polls becomes {@link WaitTimeoutError}. Never the raw gRPC text.
 */
export async function withWorkerDeadline<T>(client: Client, where: PresenceOptions & { taskQueue: string; ms: number; waitingFor: string; hint?: string }, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + where.ms;
  try {
    return await client.withDeadline(deadline, call);
  } catch (error) {
    if (!isNoWorkerAnswer(error, deadline)) throw error;
    const presence = await workerPresence(client, where.taskQueue, where).catch(() => undefined);
    if (presence?.live) {
      throw new WaitTimeoutError(`${where.waitingFor}, though a worker polls task queue ${where.taskQueue}: it may be busy or stuck`, where.hint ?? 'see the workflow in the Temporal Web UI, or the worker\'s log', { cause: error });
    }
    throw new NoWorkerError(where.taskQueue, addressOf(client, where), where.waitingFor, { cause: error });
  }
}

/**
 * Whether an error (or one of its causes) says no worker answered: the server's "no poller seen",
 * or a call ended by its deadline (given `deadline`, the time it was set for, once that has passed).
 */
export function isNoWorkerAnswer(error: unknown, deadline?: number): boolean {
  const ended = deadline !== undefined && Date.now() >= deadline;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (/no poller seen for task queue recently/i.test(cause.message)) return true;
    if (ended && (ENDED_BY_DEADLINE.has(Number((cause as { code?: unknown }).code)) || /DEADLINE_EXCEEDED|CANCELLED/.test(cause.message))) return true;
  }
  return false;
}

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

function addressOf(client: Client, options: PresenceOptions): string {
  return options.address ?? (client.connection as { options?: { address?: string } }).options?.address ?? 'the configured Temporal frontend';
}

function dateOf(timestamp: { seconds?: unknown; nanos?: number | null } | null | undefined): Date | undefined {
  if (!timestamp?.seconds) return undefined;
  const { seconds: raw } = timestamp;
  const whole = typeof raw === 'number' ? raw : typeof (raw as { toNumber?: () => number }).toNumber === 'function' ? (raw as { toNumber: () => number }).toNumber() : Number(raw);
  return new Date(whole * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6));
}

/** Whether the model's workflow runs (it does from its first run until it is terminated). */
export async function modelWorkflowRunning(client: Client, modelName: string): Promise<boolean> {
  return client.workflow
    .getHandle(modelWorkflowId(modelName))
    .describe()
    .then((described) => described.status.name === 'RUNNING')
    .catch((error: unknown) => {
      if ((error as Error | undefined)?.name === 'WorkflowNotFoundError') return false;
      throw error;
    });
}

/**
 * A worker for a model's workflow: its running workflow's task queue (and an answer to a query), or
 * the general queue it would start on. Answers the task queue.
 */
export async function requireModelWorker(client: Client, modelName: string, options: PresenceOptions = {}): Promise<string> {
  if (await modelWorkflowRunning(client, modelName)) return requireWorkerFor(client, modelWorkflowId(modelName), options);
  await requireWorker(client, TASK_QUEUES.general, options);
  return TASK_QUEUES.general;
}
