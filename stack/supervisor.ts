/**
 * Keeps a dev stack's own processes (workers, model server) running: starts each, notes when it
 * says it is ready, restarts one that exits with a growing back-off, and records all of it in
 * `<home>/supervised.json` for `ctrain dev status`. The stack's services (Temporal and MinIO, and
 * PostgreSQL and the Web UI in the production topology), started by local-stack or production-stack,
 * are watched too and started again on their ports and data if they die.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from './local-stack.js';

/** One process to keep running. */
export interface SupervisedSpec {
  name: SupervisedName;
  /** Program and arguments. */
  command: string[];
  env: Record<string, string>;
  /** A line of its output that says it is ready to work. */
  readyWhen: RegExp;
  /** Where it answers, for people (e.g. the model server's URL). */
  url?: string;
}

/** `general-worker` alone, or `general-worker-1` … `-N` when the stack keeps several. */
export type SupervisedName = 'general-worker' | `general-worker-${number}` | 'trainer-worker' | 'model-server';

/** Services that something else started and the supervisor only watches: the stack's own. */
export type WatchedName = ServiceName;

export interface SupervisedService {
  name: SupervisedName | WatchedName;
  pid?: number;
  log: string;
  url?: string;
  /** Said its ready line since it last started. */
  ready: boolean;
  startedAt?: string;
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: string };
}

/** What the supervisor writes, whole, after every change. */
export interface SupervisedState {
  home: string;
  supervisorPid: number;
  startedAt: string;
  services: SupervisedService[];
}

/** Back-off before restart n (1 s doubling to 30 s); a process that ran a minute starts again at 1 s. */
export function restartDelayMs(restartsInARow: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, restartsInARow));
}
const STEADY_MS = 60_000;

export const supervisedStatePath = (home: string): string => join(home, 'supervised.json');

export async function readSupervised(home: string): Promise<SupervisedState | undefined> {
  try {
    return JSON.parse(await readFile(supervisedStatePath(home), 'utf8')) as SupervisedState;
  } catch {
    return undefined;
  }
}

/** Also-watched processes that something else started: how to tell they live, and how to start them again. */
export interface WatchedService {
  name: WatchedName;
  log: string;
  alive: () => Promise<boolean>;
  restart: () => Promise<void>;
}

/**
 * Runs until SIGTERM/SIGINT: then stops its children (SIGTERM, which lets a worker hand back its
 * tasks and the server flush its prediction log) and returns.
 */
export async function supervise(home: string, specs: SupervisedSpec[], watched: WatchedService[] = []): Promise<void> {
  const state: SupervisedState = { home, supervisorPid: process.pid, startedAt: new Date().toISOString(), services: [] };
  let stopping = false;
  let saving = Promise.resolve();
  // Written to a temporary file and renamed, so a reader never sees half a file.
  const save = (): Promise<void> =>
    (saving = saving.then(async () => {
      const path = supervisedStatePath(home);
      await writeFile(`${path}.tmp`, JSON.stringify(state, null, 2));
      await rename(`${path}.tmp`, path);
    }).catch(() => undefined));

  const children = new Map<SupervisedName, ReturnType<typeof spawn>>();
  const exited = new Map<SupervisedName, Promise<void>>();

  const start = (spec: SupervisedSpec, record: SupervisedService, inARow: number): void => {
    const logFile = createWriteStream(record.log, { flags: 'a' });
    const child = spawn(spec.command[0]!, spec.command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...spec.env } });
    children.set(spec.name, child);
    Object.assign(record, { pid: child.pid, ready: false, startedAt: new Date().toISOString() });
    let pending = '';
    const watch = (chunk: Buffer): void => {
      logFile.write(chunk);
      if (record.ready) return;
      pending = (pending + chunk.toString('utf8')).slice(-4096);
      if (spec.readyWhen.test(pending)) {
        record.ready = true;
        void save();
      }
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    exited.set(spec.name, new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        logFile.end();
        const ranMs = Date.now() - Date.parse(record.startedAt!);
        record.lastExit = { code, signal, at: new Date().toISOString() };
        record.ready = false;
        record.pid = undefined;
        children.delete(spec.name);
        resolve();
        if (stopping) return void save();
        const next = ranMs > STEADY_MS ? 0 : inARow + 1;
        record.restarts += 1;
        void save();
        setTimeout(() => {
          if (!stopping) start(spec, record, next);
          void save();
        }, restartDelayMs(next - 1));
      });
    }));
    void save();
  };

  for (const spec of specs) {
    const record: SupervisedService = { name: spec.name, log: join(home, 'logs', `${spec.name}.log`), url: spec.url, ready: false, restarts: 0 };
    state.services.push(record);
    start(spec, record, 0);
  }
  const watchedRecords = watched.map((service) => {
    const record: SupervisedService = { name: service.name, log: service.log, ready: true, restarts: 0 };
    state.services.unshift(record);
    return { service, record };
  });
  await save();

  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      stopping = true;
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  // Temporal or MinIO gone while nobody asked: start it again where it was.
  void (async () => {
    while (!stopping) {
      for (const { service, record } of watchedRecords) {
        if (stopping || (await service.alive())) continue;
        record.ready = false;
        record.lastExit = { code: null, signal: null, at: new Date().toISOString() };
        await save();
        try {
          await service.restart();
          record.restarts += 1;
          record.ready = true;
        } catch {
          // Tried again on the next round; the service's own log says why.
        }
        await save();
      }
      await Promise.race([sleep(2000), stopped]);
    }
  })();

  await stopped;
  for (const child of children.values()) child.kill('SIGTERM');
  await Promise.all(exited.values());
  await save();
}
