/**
 * The production topology on one machine: PostgreSQL on a private data folder, the Temporal
 * server on it (frontend, history, matching and worker services) with its Web UI, and MinIO
 * erasure-coded over four drive folders. The Temporal server and Web UI read the very files in
 * deploy/ that docker-compose.yml mounts; the ports and variables are the embedded stack's, so
 * every ctrain command works against either. `stack.json` records what was started, and
 * `stopStack` stops exactly that.
 */
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ObjectStore } from '../storage/gateway.js';
import { ServiceStartError, waitForMinio, waitForTemporal, waitForWebUi } from './health.js';
import type { ServiceName, StackLayout, StackState, StartedService } from './local-stack.js';
import { readState, runningServices, spawnService, stackUrls, statePath, stopStack } from './local-stack.js';
import { PROJECT_ROOT } from './paths.js';
import { prepareNamespace } from './temporal-namespace.js';
import { assertPortFree, freePortsBetween, PortInUseError } from './ports.js';
import { isAlive, isOurs } from './processes.js';
import type { ProductionToolchain } from './provision-production.js';
import { run } from './provision.js';
import type { Toolchain } from './provision.js';
import { configFromEnv, PORT_VARIABLES } from '../infra/config.js';

/** MinIO's drive folders: with four, each object is striped as two data and two parity shards; reads survive two lost drives, writes one. */
export const MINIO_DRIVES = 4;

export interface ProductionLayout extends StackLayout {
  postgres: { port: number; user: string; password: string };
}

/** The ports the Temporal server's own services use among themselves: free ones, chosen when the stack starts and kept while it runs. */
type InternalPort = 'http' | 'history' | 'matching' | 'worker' | 'frontendMembership' | 'historyMembership' | 'matchingMembership' | 'workerMembership' | 'metrics';
const INTERNAL_PORTS: InternalPort[] = ['http', 'history', 'matching', 'worker', 'frontendMembership', 'historyMembership', 'matchingMembership', 'workerMembership', 'metrics'];

export interface ProductionState extends StackState {
  topology: 'production';
  postgresPort: number;
  internalPorts: Record<InternalPort, number>;
}

const HEALTH_TIMEOUT_MS = 120_000;
/** Temporal's cluster_membership table keeps ports as smallint. */
export const MAX_TEMPORAL_PORT = 32_767;
/** The configuration files both launchers use: this one copies them into the stack's folder, docker-compose.yml mounts them. */
export const CONFIG_FILES = {
  server: join(PROJECT_ROOT, 'deploy', 'temporal', 'server.yaml'),
  dynamic: join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml'),
  ui: join(PROJECT_ROOT, 'deploy', 'temporal-ui', 'server.yaml'),
};
/** Temporal's databases and the embedded schema each is brought up to. */
export const TEMPORAL_DATABASES = [
  { database: 'temporal', schema: 'postgresql/v12/temporal' },
  { database: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
] as const;

export const postgresDataDir = (home: string): string => join(home, 'postgresql', 'data');
export const minioDriveDir = (home: string, drive: number): string => join(home, 'minio', `drive${drive}`);

/**
 * Starts every service of the production topology in order (PostgreSQL, schema, Temporal, Web UI,
 * MinIO), waiting for each to answer. Reuses a production stack of the same home that is already up.
 */
export async function startProductionStack(layout: ProductionLayout, tools: Toolchain & ProductionToolchain): Promise<ProductionState> {
  const previous = await readState(layout.home);
  if (previous && previous.topology !== 'production' && runningServices(previous).length > 0) {
    throw new ServiceStartError(`an embedded stack runs from ${layout.home}; stop it with \`ctrain dev down\` before starting the production topology there`);
  }
  if (previous?.topology === 'production' && runningServices(previous).length === previous.services.length && previous.services.length > 0) {
    await waitUntilHealthy(layout, previous as ProductionState);
    return previous as ProductionState;
  }
  if (previous) await stopStack(layout.home);
  for (const key of Object.keys(layout.ports) as (keyof StackLayout['ports'])[]) {
    await assertPortFree(layout.ports[key], PORT_VARIABLES[key].what, PORT_VARIABLES[key].env);
  }
  await assertPortFree(layout.postgres.port, 'PostgreSQL', 'CTRAIN_POSTGRES_PORT');
  if (layout.ports.temporal > MAX_TEMPORAL_PORT) {
    throw new PortInUseError(`CTRAIN_TEMPORAL_PORT=${layout.ports.temporal}: the production Temporal server records its ports in PostgreSQL as smallint, so it must be at most ${MAX_TEMPORAL_PORT}.`);
  }
  await mkdir(join(layout.home, 'logs'), { recursive: true });
  const internal = await freePortsBetween(INTERNAL_PORTS.length, 20_000, MAX_TEMPORAL_PORT, [layout.ports.temporal, layout.ports.temporalUi, layout.ports.minio, layout.ports.minioConsole, layout.postgres.port]);
  const state: ProductionState = {
    home: layout.home,
    topology: 'production',
    ports: layout.ports,
    postgresPort: layout.postgres.port,
    internalPorts: Object.fromEntries(INTERNAL_PORTS.map((name, index) => [name, internal[index]!])) as ProductionState['internalPorts'],
    startedAt: new Date().toISOString(),
    services: [],
  };
  try {
    await initPostgres(layout, tools);
    await startOne(layout, tools, state, 'postgresql');
    await setUpTemporalSchema(layout, tools);
    await startOne(layout, tools, state, 'temporal');
    await prepareNamespace({ address: stackUrls(layout.ports).temporalAddress }, configFromEnv().temporal.namespace);
    await startOne(layout, tools, state, 'temporal-ui');
    await startOne(layout, tools, state, 'minio');
    await new ObjectStore({ endpoint: stackUrls(layout.ports).minioEndpoint, ...layout.minio }).ensureBuckets();
    return state;
  } catch (error) {
    await stopStack(layout.home);
    throw error;
  }
}

/** Starts one service of a production stack again, on its ports and data (after a crash, or a fault test), and waits until it answers. */
export async function startProductionService(layout: ProductionLayout, tools: Toolchain & ProductionToolchain, name: ServiceName): Promise<ProductionState> {
  const state = await readState(layout.home);
  if (state?.topology !== 'production') throw new Error(`no production stack recorded in ${layout.home}; start it first`);
  const production = state as ProductionState;
  const running = production.services.find((service) => service.name === name && isOurs(service.pid, production.home));
  if (!running) await startOne(layout, tools, production, name);
  return production;
}

async function startOne(layout: ProductionLayout, tools: Toolchain & ProductionToolchain, state: ProductionState, name: ServiceName): Promise<void> {
  const logs = join(layout.home, 'logs');
  const logOffset = await stat(join(logs, `${name}.log`)).then((info) => info.size, () => 0);
  const { binary, args, env } = await serviceCommand(layout, tools, state, name);
  const started = spawnService(name, binary, args, env, logs);
  // A restarted service keeps its place: the stack stops in the reverse of this order.
  const at = state.services.findIndex((service) => service.name === name);
  if (at >= 0) state.services[at] = started;
  else state.services.push(started);
  // Recorded before waiting, so a failed start can still be cleaned up by `down`.
  await writeFile(statePath(layout.home), JSON.stringify(state, null, 2), { mode: 0o600 });
  await waitUntilAnswering(layout, state, started, logOffset);
}

async function serviceCommand(layout: ProductionLayout, tools: Toolchain & ProductionToolchain, state: ProductionState, name: ServiceName): Promise<{ binary: string; args: string[]; env: Record<string, string> }> {
  const home = layout.home;
  const urls = stackUrls(layout.ports);
  switch (name) {
  case 'postgresql': {
    const args = [
      '-D', postgresDataDir(home),
      '-p', String(layout.postgres.port),
      '-c', 'listen_addresses=127.0.0.1',
      // TCP only: a socket path inside a deep data folder can pass the 107-byte limit.
      '-c', 'unix_socket_directories=',
      // Each of the server's four services keeps pools for both databases.
      '-c', 'max_connections=300',
    ];
    return asNonRoot(join(tools.postgresBin, 'postgres'), args);
  }
  case 'temporal': {
    // Byte-identical copies in the stack's folder: the folder in the command line marks the process as ours.
    await mkdir(join(home, 'temporal'), { recursive: true });
    await copyFile(CONFIG_FILES.server, join(home, 'temporal', 'server.yaml'));
    await copyFile(CONFIG_FILES.dynamic, join(home, 'temporal', 'dynamicconfig.yaml'));
    return {
      binary: tools.temporalServer,
      args: ['--config-file', join(home, 'temporal', 'server.yaml'), '--allow-no-auth', 'start'],
      env: temporalServerEnv(layout, state.internalPorts),
    };
  }
  case 'temporal-ui':
    await mkdir(join(home, 'temporal-ui'), { recursive: true });
    await copyFile(CONFIG_FILES.ui, join(home, 'temporal-ui', 'production.yaml'));
    return {
      binary: tools.temporalUi,
      args: ['--root', home, '--config', 'temporal-ui', '--env', 'production', 'start'],
      env: { TEMPORAL_ADDRESS: urls.temporalAddress, CTRAIN_TEMPORAL_UI_HOST: '127.0.0.1', CTRAIN_TEMPORAL_UI_PORT: String(layout.ports.temporalUi) },
    };
  case 'minio':
    for (let drive = 1; drive <= MINIO_DRIVES; drive++) await mkdir(minioDriveDir(home, drive), { recursive: true });
    return {
      binary: tools.minio,
      // MinIO expands `{1...4}` itself: one erasure set over the four folders.
      args: ['server', join(home, 'minio', `drive{1...${MINIO_DRIVES}}`), '--address', `127.0.0.1:${layout.ports.minio}`, '--console-address', `127.0.0.1:${layout.ports.minioConsole}`, '--quiet'],
      // Four folders of one disk: MinIO refuses drives on the root disk unless told this is a test bed (MINIO_CI_CD).
      env: { MINIO_ROOT_USER: layout.minio.accessKey, MINIO_ROOT_PASSWORD: layout.minio.secretKey, MINIO_CI_CD: '1' },
    };
  }
}

/** The variables deploy/temporal/server.yaml reads, as the launcher sets them: loopback, this stack's ports and database. */
export function temporalServerEnv(layout: ProductionLayout, ports: ProductionState['internalPorts']): Record<string, string> {
  return {
    CTRAIN_POSTGRES_ADDRESS: `127.0.0.1:${layout.postgres.port}`,
    CTRAIN_POSTGRES_USER: layout.postgres.user,
    CTRAIN_POSTGRES_PASSWORD: layout.postgres.password,
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    CTRAIN_TEMPORAL_PORT: String(layout.ports.temporal),
    CTRAIN_TEMPORAL_HTTP_PORT: String(ports.http),
    CTRAIN_TEMPORAL_HISTORY_PORT: String(ports.history),
    CTRAIN_TEMPORAL_MATCHING_PORT: String(ports.matching),
    CTRAIN_TEMPORAL_WORKER_PORT: String(ports.worker),
    CTRAIN_TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    CTRAIN_TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    CTRAIN_TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    CTRAIN_TEMPORAL_WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    CTRAIN_TEMPORAL_METRICS_PORT: String(ports.metrics),
    CTRAIN_TEMPORAL_DYNAMIC_CONFIG: join(layout.home, 'temporal', 'dynamicconfig.yaml'),
  };
}

/**
 * PostgreSQL refuses to run as root. Run as root, ctrain starts it in a user namespace of its own
 * (util-linux `unshare`) where it is an ordinary user that still owns its root-owned data folder.
 */
function asNonRoot(binary: string, args: string[]): { binary: string; args: string[]; env: Record<string, string> } {
  if (process.getuid?.() !== 0) return { binary, args, env: {} };
  return { binary: 'unshare', args: ['--user', '--map-user=1000', '--map-group=1000', binary, ...args], env: {} };
}

/** Creates the database cluster on first start. */
async function initPostgres(layout: ProductionLayout, tools: ProductionToolchain): Promise<void> {
  const data = postgresDataDir(layout.home);
  if (await stat(join(data, 'PG_VERSION')).then(() => true, () => false)) return;
  await rm(data, { recursive: true, force: true });
  await mkdir(join(layout.home, 'postgresql'), { recursive: true });
  const passwordFile = join(layout.home, 'postgresql', 'initial-password');
  await writeFile(passwordFile, `${layout.postgres.password}\n`, { mode: 0o600 });
  try {
    const { binary, args } = asNonRoot(join(tools.postgresBin, 'initdb'), [
      '-D', data, `--username=${layout.postgres.user}`, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C',
    ]);
    await run(binary, args).catch((error: Error) => {
      throw new ServiceStartError(`PostgreSQL's initdb failed${process.getuid?.() === 0 ? ' (run as root, it runs in a user namespace through `unshare`; where those are disabled, run ctrain as an ordinary user)' : ''}: ${error.message}`);
    });
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/**
 * Temporal's two databases and their schemas, by the schema tool of the same module as the
 * server: a database is created (and its versioning set up) when it is missing, and every one is
 * brought up to the server's schema version on every start.
 */
async function setUpTemporalSchema(layout: ProductionLayout, tools: ProductionToolchain): Promise<void> {
  for (const { database, schema } of TEMPORAL_DATABASES) {
    const env = {
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: '127.0.0.1',
      SQL_PORT: String(layout.postgres.port),
      SQL_USER: layout.postgres.user,
      SQL_PASSWORD: layout.postgres.password,
      SQL_DATABASE: database,
    };
    const created = await run(tools.temporalSqlTool, ['create-database'], env).then(
      () => true,
      (error: Error) => {
        if (/already exists/.test(error.message)) return false;
        throw error;
      },
    );
    // Only on a new database: setup-schema records version 0.0, which would undo an existing one's.
    if (created) await run(tools.temporalSqlTool, ['setup-schema', '-v', '0.0'], env);
    await run(tools.temporalSqlTool, ['update-schema', '--schema-name', schema], env);
  }
}

async function waitUntilAnswering(layout: ProductionLayout, state: ProductionState, service: StartedService, logOffset: number): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  const urls = stackUrls(layout.ports);
  // Alive, not "ours": until the child has exec'd, its command line is still this process's, without the stack's folder.
  const liveness = () => ({ alive: isAlive(service.pid), log: service.log });
  if (service.name === 'postgresql') return waitForLogLine(service.log, logOffset, /database system is ready to accept connections/, deadline, liveness, 'PostgreSQL');
  if (service.name === 'temporal') return waitForTemporal(urls.temporalAddress, deadline, liveness);
  if (service.name === 'temporal-ui') return waitForWebUi(urls.webUi, deadline, liveness);
  return waitForMinio(urls.minioEndpoint, deadline, liveness, 'cluster');
}

async function waitUntilHealthy(layout: ProductionLayout, state: ProductionState): Promise<void> {
  for (const service of state.services) {
    if (service.name !== 'postgresql') await waitUntilAnswering(layout, state, service, 0);
  }
}

/** PostgreSQL accepts connections before it can serve them: its own log says when it can. */
async function waitForLogLine(log: string, offset: number, line: RegExp, deadline: number, liveness: () => { alive: boolean; log: string }, what: string): Promise<void> {
  for (;;) {
    const text = await readFile(log).then((bytes) => bytes.subarray(offset).toString('utf8'), () => '');
    if (line.test(text)) return;
    if (!liveness().alive) throw new ServiceStartError(`${what} exited during start-up. Last lines of ${log}:\n${text.trimEnd().split('\n').slice(-20).join('\n')}`);
    if (Date.now() > deadline) throw new ServiceStartError(`${what} did not become ready in time; see ${log}`);
    await sleep(100);
  }
}
