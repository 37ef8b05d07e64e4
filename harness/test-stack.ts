import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_MINIO_CREDENTIALS } from '../contracts/stack.js';
import type { StackState, Topology } from '../stack/local-stack.js';
import { readState, startStack, stackUrls } from '../stack/local-stack.js';
import { cacheDir } from '../stack/paths.js';
import { freePorts, freePortsBetween } from '../stack/ports.js';
import { isAlive, killNow, stopProcess } from '../stack/processes.js';
import type { ProductionLayout } from '../stack/production-stack.js';
import { MAX_TEMPORAL_PORT, startProductionStack } from '../stack/production-stack.js';
import type { ProductionToolchain } from '../stack/provision-production.js';
import type { Toolchain } from '../stack/provision.js';

/** What tests receive about the stack the harness started for them. */
export interface TestStack {
  home: string;
  temporalAddress: string;
  namespace: string;
  webUi: string;
  minio: { endpoint: string; accessKey: string; secretKey: string };
  tools: Toolchain;
  topology: Topology;
  /** The production topology's own tools and layout; absent on the embedded stack. */
  production?: { tools: ProductionToolchain; layout: ProductionLayout };
}

/** One record per harness-owned stack, so a later run can clean up after a killed one. */
interface OwnerRecord {
  ownerPid: number;
  home: string;
  services: StackState['services'];
}

const recordsDir = (): string => join(cacheDir(), 'test-stacks');
const recordPath = (ownerPid: number): string => join(recordsDir(), `${ownerPid}.json`);

/**
 * Starts a private stack on free loopback ports in a temporary folder, owned by this process:
 * Temporal's dev server and MinIO, or, given the production topology's tools, PostgreSQL, the
 * Temporal server and its Web UI, and MinIO over four drives.
 */
export async function startTestStack(tools: Toolchain, ownerPid = process.pid, productionTools?: ProductionToolchain): Promise<TestStack> {
  await mkdir(recordsDir(), { recursive: true });
  const home = await mkdtemp(join(tmpdir(), 'ctrain-test-'));
  let production: TestStack['production'];
  // Another process can take a free port before our service binds it: one more try on new ports.
  const start = async () => {
    if (productionTools) {
      // The production server keeps its ports in a smallint column: all from below 32768.
      const [temporal, temporalUi, minio, minioConsole, postgres] = await freePortsBetween(5, 20_000, MAX_TEMPORAL_PORT);
      const ports = { temporal: temporal!, temporalUi: temporalUi!, minio: minio!, minioConsole: minioConsole! };
      const layout: ProductionLayout = { home, ports, minio: { ...DEV_MINIO_CREDENTIALS }, postgres: { port: postgres!, user: 'temporal', password: 'temporal' } };
      production = { tools: productionTools, layout };
      return { ports, state: await startProductionStack(layout, { ...tools, ...productionTools }) };
    }
    const [temporal, temporalUi, minio, minioConsole] = await freePorts(4);
    const ports = { temporal: temporal!, temporalUi: temporalUi!, minio: minio!, minioConsole: minioConsole! };
    return { ports, state: await startStack({ home, ports, minio: { ...DEV_MINIO_CREDENTIALS } }, tools) };
  };
  const { ports, state } = await start().catch(start);
  const record: OwnerRecord = { ownerPid, home, services: state.services };
  await writeFile(recordPath(ownerPid), JSON.stringify(record));
  const urls = stackUrls(ports);
  return {
    home,
    temporalAddress: urls.temporalAddress,
    namespace: 'default',
    webUi: urls.webUi,
    minio: { endpoint: urls.minioEndpoint, ...DEV_MINIO_CREDENTIALS },
    tools,
    topology: productionTools ? 'production' : 'embedded',
    production,
  };
}

/** Stops the stack this owner started and removes its folder and record. */
export async function stopTestStack(ownerPid = process.pid): Promise<void> {
  const record = await readRecord(recordPath(ownerPid));
  if (record) await removeStack(record);
}

/** Last-resort synchronous kill for process exit, when async teardown never ran. */
export function killTestStackNow(stack: TestStack, services: StackState['services']): void {
  for (const service of [...services, ...liveServicesNow(stack.home)]) killNow(service.pid, stack.home);
}

/**
 * Removes stacks whose owning test run is gone (killed halfway). Only processes recorded by the
 * harness, and still carrying their stack's folder in their command line, are touched.
 */
export async function cleanStaleTestStacks(): Promise<string[]> {
  const cleaned: string[] = [];
  const names = await readdir(recordsDir()).catch(() => [] as string[]);
  for (const name of names.filter((file) => file.endsWith('.json'))) {
    const record = await readRecord(join(recordsDir(), name));
    if (!record || isAlive(record.ownerPid)) continue;
    await removeStack(record);
    cleaned.push(record.home);
  }
  return cleaned;
}

async function removeStack(record: OwnerRecord): Promise<void> {
  // A fault test may have restarted a service: its new pid is in the stack's own state file.
  const live = (await readState(record.home))?.services ?? [];
  // Last started, first stopped: the Temporal server lets go of PostgreSQL before it stops.
  for (const service of [...record.services, ...live].reverse()) await stopProcess(service.pid, record.home);
  await rm(record.home, { recursive: true, force: true });
  await rm(recordPath(record.ownerPid), { force: true });
}

/** The services in the stack's state file now (restarted ones included), read synchronously for exit handlers. */
function liveServicesNow(home: string): StackState['services'] {
  try {
    return (JSON.parse(readFileSync(join(home, 'stack.json'), 'utf8')) as StackState).services;
  } catch {
    return [];
  }
}

async function readRecord(path: string): Promise<OwnerRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as OwnerRecord;
  } catch {
    return undefined;
  }
}
