/** What `ctrain dev up/status/supervise` do, loaded only when one of them runs. */
import { devFeedbackToken, devServePort, devServiceSpecs, feedbackTokenPath, logTail, runningSupervisor, startDevServices } from '../stack/dev-services.js';
import { devLayout, productionLayout } from '../stack/dev-stack.js';
import type { ServiceName, StackLayout, StackState, StackUrls, Topology } from '../stack/local-stack.js';
import { isStackService, readState, runningServices, stackUrls, startService, startStack } from '../stack/local-stack.js';
import type { ProductionState } from '../stack/production-stack.js';
import { startProductionService, startProductionStack } from '../stack/production-stack.js';
import { isOurs } from '../stack/processes.js';
import { provisionProduction } from '../stack/provision-production.js';
import { provision } from '../stack/provision.js';
import type { SupervisedService } from '../stack/supervisor.js';
import { supervise } from '../stack/supervisor.js';

export interface DevStack {
  topology: Topology;
  layout: StackLayout;
  /** The supervised processes, by name (general workers, trainer, model server). */
  kept: string[];
  urls: StackUrls;
  /** Where PostgreSQL answers, in the production topology. */
  postgres?: string;
  /** The model server the stack keeps, and the token that may post outcomes to it. */
  server: { url: string; feedbackToken: string };
}

/**
 * The stack's services (Temporal and MinIO, embedded or in the production topology), then the
 * supervised workers and model server; reuses whatever already runs.
 */
export async function bringUpDevStack(topology: Topology = 'embedded', generalWorkers = 1): Promise<DevStack> {
  const production = topology === 'production' ? productionLayout() : undefined;
  const layout = production ?? devLayout();
  const running = await readState(layout.home);
  const runningTopology = running?.topology ?? 'embedded';
  if (running && runningTopology !== topology && runningServices(running).length > 0) {
    throw new Error(`a stack with the ${runningTopology} topology runs from ${layout.home}; stop it with \`npx ctrain dev down\` first (each topology keeps its own data there)`);
  }
  const tools = await provision();
  const state = production ? await startProductionStack(production, { ...tools, ...(await provisionProduction()) }) : await startStack(layout, tools);
  const servePort = devServePort();
  const supervised = await startDevServices(layout, servePort, generalWorkers);
  const server = supervised.services.find((service) => service.name === 'model-server');
  return {
    topology,
    layout,
    kept: supervised.services.filter((service) => !isStackService(service.name)).map((service) => service.name),
    urls: stackUrls(state.ports),
    postgres: state.topology === 'production' ? `127.0.0.1:${(state as ProductionState).postgresPort}` : undefined,
    server: { url: server?.url ?? `http://127.0.0.1:${servePort}`, feedbackToken: await devFeedbackToken(layout.home) },
  };
}

export function describeDevStack(stack: DevStack): string[] {
  const general = stack.kept.filter((name) => name.startsWith('general-worker')).length;
  const production = stack.topology === 'production';
  return [
    `  topology      ${production ? 'production: PostgreSQL, Temporal server, MinIO over four drives' : 'embedded: Temporal dev server (SQLite), MinIO on one drive'}`,
    `  Temporal      ${stack.urls.temporalAddress}`,
    `  Web UI        ${stack.urls.webUi}`,
    `  MinIO         ${stack.urls.minioEndpoint} (console ${stack.urls.minioConsole})`,
    ...(stack.postgres ? [`  PostgreSQL    ${stack.postgres} (user temporal)`] : []),
    `  workers       ${general === 1 ? 'one general' : `${general} general`} and a trainer, kept running (restarted if they crash)`,
    `  model server  ${stack.server.url} (outcomes need the token in ${feedbackTokenPath(stack.layout.home)})`,
    '  `npx ctrain dev status` shows each process and its log; `npx ctrain dev down` stops them all',
  ];
}

export interface DevStackStatus {
  home: string;
  topology: Topology;
  /** Every service runs and, for those the supervisor keeps, has said it is ready. */
  healthy: boolean;
  services: (Pick<SupervisedService, 'name' | 'pid' | 'log' | 'url' | 'restarts' | 'lastExit'> & { state: 'running' | 'starting' | 'stopped' })[];
}

export async function devStackStatus(): Promise<DevStackStatus> {
  const layout = devLayout();
  const stack = await readState(layout.home);
  const supervisor = await runningSupervisor(layout.home);
  const urls = stackUrls(stack?.ports ?? layout.ports);
  const running = new Set(stack ? runningServices(stack).map((service) => service.pid) : []);
  const kept = new Map<string, SupervisedService>(supervisor?.services.map((service) => [service.name, service]) ?? []);
  const where: Record<ServiceName, string> = {
    temporal: stack?.topology === 'production' ? urls.temporalAddress : `${urls.temporalAddress}, Web UI ${urls.webUi}`,
    minio: `${urls.minioEndpoint}, console ${urls.minioConsole}`,
    postgresql: `127.0.0.1:${(stack as ProductionState | undefined)?.postgresPort ?? ''}`,
    'temporal-ui': urls.webUi,
  };
  // The services the stack recorded (production: PostgreSQL and the Web UI too), in their start order.
  const names: ServiceName[] = stack?.services.map((service) => service.name) ?? ['temporal', 'minio'];
  const services: DevStackStatus['services'] = names.map((name) => {
    const started = stack?.services.find((service) => service.name === name);
    const watched = kept.get(name);
    return {
      name,
      pid: started?.pid,
      log: started?.log ?? `${layout.home}/logs/${name}.log`,
      url: where[name],
      restarts: watched?.restarts ?? 0,
      lastExit: watched?.lastExit,
      state: started && running.has(started.pid) ? 'running' : 'stopped',
    };
  });
  const keptNames = supervisor ? supervisor.services.map((service) => service.name).filter((name) => !isStackService(name)) : ['general-worker', 'trainer-worker', 'model-server'];
  for (const name of keptNames) {
    const service = kept.get(name);
    const alive = service?.pid !== undefined && isOurs(service.pid, 'bin/ctrain.js');
    services.push({
      name: name as SupervisedService['name'],
      pid: alive ? service.pid : undefined,
      log: service?.log ?? `${layout.home}/logs/${name}.log`,
      url: service?.url,
      restarts: service?.restarts ?? 0,
      lastExit: service?.lastExit,
      state: alive ? (service.ready ? 'running' : 'starting') : 'stopped',
    });
  }
  return { home: layout.home, topology: stack?.topology ?? 'embedded', healthy: services.every((service) => service.state === 'running'), services };
}

export async function describeStatus(status: DevStackStatus): Promise<string[]> {
  if (status.services.every((service) => service.state === 'stopped')) return [`ctrain: stack is down (data in ${status.home}); start it with \`npx ctrain dev up\``];
  const lines: string[] = [];
  for (const service of status.services) {
    const health = service.state === 'stopped' ? 'stopped' : `${service.state} (pid ${service.pid})`;
    const restarts = service.restarts ? `, ${service.restarts} restart${service.restarts === 1 ? '' : 's'}` : '';
    lines.push(`${service.name.padEnd(17)} ${`${health}${restarts}`.padEnd(34)} ${service.url ?? ''}`.trimEnd());
    lines.push(`${''.padEnd(17)} log ${service.log}`);
    // A service that has crashed shows how it last ended, in its own words.
    if (service.lastExit && (service.state !== 'running' || service.restarts > 0)) {
      lines.push(`${''.padEnd(17)} last exit ${service.lastExit.at}: ${service.lastExit.signal ?? `code ${service.lastExit.code ?? '?'}`}; its log ends:`);
      lines.push(await logTail(service.log, 5));
    }
  }
  if (!status.healthy) lines.push('ctrain: not every service runs; `npx ctrain dev up` starts what is missing');
  return lines;
}

/** The supervisor process itself: keeps the workers and the model server, and watches the stack's own services. */
export async function superviseDevStack(home: string, servePort: number, generalWorkers = 1): Promise<void> {
  const stack = await readState(home);
  const layout = { ...devLayout(), home };
  const tools = await provision(() => undefined);
  const restart = await restarter(stack, home, tools);
  const watched = (stack?.services.map((service) => service.name) ?? ['temporal', 'minio']).map((name) => ({
    name,
    log: `${home}/logs/${name}.log`,
    alive: async () => {
      const state = await readState(home);
      const service = state?.services.find((candidate) => candidate.name === name);
      return service !== undefined && isOurs(service.pid, home);
    },
    restart: () => restart(name),
  }));
  await supervise(home, devServiceSpecs(layout, servePort, generalWorkers), watched);
}

/** How one of the stack's services is started again where it was: by the launcher of its topology. */
async function restarter(stack: StackState | undefined, home: string, tools: Awaited<ReturnType<typeof provision>>): Promise<(name: ServiceName) => Promise<void>> {
  if (stack?.topology !== 'production') return async (name) => void (await startService({ ...devLayout(), home }, tools, name as 'temporal' | 'minio'));
  const production = { ...tools, ...(await provisionProduction(() => undefined)) };
  return async (name) => void (await startProductionService({ ...productionLayout(), home, postgres: { ...productionLayout().postgres, port: (stack as ProductionState).postgresPort } }, production, name));
}
