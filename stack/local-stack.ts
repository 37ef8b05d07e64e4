import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SEARCH_ATTRIBUTES } from '../contracts/stack.js';
import type { StackPorts } from '../infra/config.js';
import { PORT_VARIABLES } from '../infra/config.js';
import { waitForMinio, waitForTemporal, waitForWebUi } from './health.js';
import { isAlive, isOurs, killNow, stopProcess } from './processes.js';
import { assertPortFree } from './ports.js';
import type { Toolchain } from './provision.js';
import { ObjectStore } from '../storage/gateway.js';

/** Where a local stack lives and how it is reached. */
export interface StackLayout {
  /** Data folder: Temporal's SQLite file, MinIO's data, logs and the state file. */
  home: string;
  ports: StackPorts;
  minio: { accessKey: string; secretKey: string };
}

/** The embedded topology runs Temporal (dev server + Web UI) and MinIO; the production one adds PostgreSQL and a separate Web UI. */
export const SERVICE_NAMES = ['temporal', 'minio', 'postgresql', 'temporal-ui'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export const isStackService = (name: string): name is ServiceName => (SERVICE_NAMES as readonly string[]).includes(name);

export type Topology = 'embedded' | 'production';

export interface StartedService {
  name: ServiceName;
  pid: number;
  log: string;
}

/** Written to `<home>/stack.json` so `down` stops exactly what `up` started. */
export interface StackState {
  home: string;
  /** Absent in states written before the production topology existed: embedded. */
  topology?: Topology;
  ports: StackPorts;
  startedAt: string;
  services: StartedService[];
}

export interface StackUrls {
  temporalAddress: string;
  webUi: string;
  minioEndpoint: string;
  minioConsole: string;
}

const HEALTH_TIMEOUT_MS = 90_000;

export function stackUrls(ports: StackPorts): StackUrls {
  return {
    temporalAddress: `127.0.0.1:${ports.temporal}`,
    webUi: `http://127.0.0.1:${ports.temporalUi}`,
    minioEndpoint: `http://127.0.0.1:${ports.minio}`,
    minioConsole: `http://127.0.0.1:${ports.minioConsole}`,
  };
}

export const statePath = (home: string): string => join(home, 'stack.json');

export async function readState(home: string): Promise<StackState | undefined> {
  try {
    return JSON.parse(await readFile(statePath(home), 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

/** The services of a state that are still running as the processes we started. */
export function runningServices(state: StackState): StartedService[] {
  return state.services.filter((service) => isOurs(service.pid, state.home));
}

/**
 * Starts Temporal (dev server + Web UI, SQLite persistence) and MinIO on loopback, waits until
 * they answer, and creates the buckets. Reuses a stack from the same home that is already up.
 */
export async function startStack(layout: StackLayout, tools: Toolchain): Promise<StackState> {
  const previous = await readState(layout.home);
  if (previous && runningServices(previous).length === previous.services.length && previous.services.length > 0) {
    await waitUntilHealthy(layout, previous);
    return previous;
  }
  if (previous) await stopStack(layout.home);
  for (const key of Object.keys(layout.ports) as (keyof StackPorts)[]) {
    await assertPortFree(layout.ports[key], PORT_VARIABLES[key].what, PORT_VARIABLES[key].env);
  }
  const logs = join(layout.home, 'logs');
  await mkdir(logs, { recursive: true });
  await mkdir(join(layout.home, 'temporal'), { recursive: true });
  await mkdir(join(layout.home, 'minio'), { recursive: true });

  const state: StackState = { home: layout.home, ports: layout.ports, startedAt: new Date().toISOString(), services: [] };
  try {
    state.services.push(spawnService('temporal', tools.temporal, temporalArgs(layout), {}, logs));
    state.services.push(
      spawnService('minio', tools.minio, minioArgs(layout), { MINIO_ROOT_USER: layout.minio.accessKey, MINIO_ROOT_PASSWORD: layout.minio.secretKey }, logs),
    );
    // Recorded before waiting, so a failed start can still be cleaned up by `down`.
    await writeFile(statePath(layout.home), JSON.stringify(state, null, 2));
    await waitUntilHealthy(layout, state);
    return state;
  } catch (error) {
    await stopStack(layout.home);
    throw error;
  }
}

/** Stops exactly the processes recorded in the state file; returns the names it stopped. */
export async function stopStack(home: string): Promise<ServiceName[]> {
  const state = await readState(home);
  if (!state) return [];
  const stopped: ServiceName[] = [];
  // Last started, first stopped: the Temporal server lets go of PostgreSQL before it stops.
  for (const service of [...state.services].reverse()) {
    if (await stopProcess(service.pid, state.home)) stopped.push(service.name);
  }
  await rm(statePath(home), { force: true });
  return stopped;
}

/**
 * Stops one service of a running stack (SIGTERM, or SIGKILL for a crash) and keeps its data:
 * the fault tests take MinIO or Temporal away mid-run and bring it back with startService.
 */
export async function stopService(home: string, name: ServiceName, how: 'terminate' | 'kill' = 'terminate'): Promise<boolean> {
  const state = await readState(home);
  const service = state?.services.find((candidate) => candidate.name === name);
  if (!state || !service) return false;
  if (how === 'terminate') return stopProcess(service.pid, state.home);
  if (!isOurs(service.pid, state.home)) return false;
  killNow(service.pid, state.home);
  while (isAlive(service.pid)) await sleep(50);
  return true;
}

/** Starts one service of a stack again, on the same ports and data, waits until it answers, and records its new pid. */
export async function startService(layout: StackLayout, tools: Toolchain, name: 'temporal' | 'minio'): Promise<StackState> {
  const state = await readState(layout.home);
  if (!state) throw new Error(`no stack recorded in ${layout.home}; start it first`);
  const running = state.services.find((service) => service.name === name && isOurs(service.pid, state.home));
  if (!running) {
    const logs = join(layout.home, 'logs');
    const started = name === 'temporal'
      ? spawnService('temporal', tools.temporal, temporalArgs(layout), {}, logs)
      : spawnService('minio', tools.minio, minioArgs(layout), { MINIO_ROOT_USER: layout.minio.accessKey, MINIO_ROOT_PASSWORD: layout.minio.secretKey }, logs);
    state.services = [...state.services.filter((service) => service.name !== name), started];
    await writeFile(statePath(layout.home), JSON.stringify(state, null, 2));
  }
  await waitUntilHealthy(layout, state);
  return state;
}

async function waitUntilHealthy(layout: StackLayout, state: StackState): Promise<void> {
  const urls = stackUrls(layout.ports);
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  const alive = (name: ServiceName) => () => {
    const service = state.services.find((candidate) => candidate.name === name);
    return service ? { alive: isOurs(service.pid, state.home), log: service.log } : { alive: false, log: '' };
  };
  await Promise.all([
    waitForTemporal(urls.temporalAddress, deadline, alive('temporal')),
    waitForWebUi(urls.webUi, deadline, alive('temporal')),
    waitForMinio(urls.minioEndpoint, deadline, alive('minio')),
  ]);
  await new ObjectStore({ endpoint: urls.minioEndpoint, ...layout.minio }).ensureBuckets();
}

function temporalArgs(layout: StackLayout): string[] {
  const searchAttributes = Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
  return [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(layout.ports.temporal),
    '--ui-ip', '127.0.0.1',
    '--ui-port', String(layout.ports.temporalUi),
    '--ui-disable-news-fetch',
    '--db-filename', join(layout.home, 'temporal', 'temporal.db'),
    '--log-level', 'warn',
    // The worker that completes a workflow task gets the activity it scheduled in the same
    // reply, instead of a round trip through matching: about a third less time per DAG step.
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    // The dev server has one history shard, and each shard reads its task queues at most 20 times a
    // second by default: past a short burst, every step then waited up to 50 ms for its next workflow
    // task (57 ms a step instead of 14). A cluster spreads that limit over hundreds of shards.
    '--dynamic-config-value', 'history.transferProcessorMaxPollRPS=1000',
    '--dynamic-config-value', 'history.timerProcessorMaxPollRPS=1000',
    '--dynamic-config-value', 'history.visibilityProcessorMaxPollRPS=1000',
    ...searchAttributes,
  ];
}

function minioArgs(layout: StackLayout): string[] {
  return [
    'server', join(layout.home, 'minio', 'data'),
    '--address', `127.0.0.1:${layout.ports.minio}`,
    '--console-address', `127.0.0.1:${layout.ports.minioConsole}`,
    '--quiet',
  ];
}

/** Starts a service in its own process group, detached, its output appended to a log file. */
export function spawnService(name: ServiceName, binary: string, args: string[], env: Record<string, string>, logs: string): StartedService {
  const log = join(logs, `${name}.log`);
  const fd = openSync(log, 'a');
  try {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    if (child.pid === undefined) throw new Error(`Could not start ${name} (${binary}); see ${log}`);
    child.unref();
    return { name, pid: child.pid, log };
  } finally {
    closeSync(fd);
  }
}
