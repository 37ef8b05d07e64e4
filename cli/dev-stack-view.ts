/** What `ctrain dev up/status/supervise` do, loaded only when one of them runs. */
import { devFeedbackToken, devServePort, devServiceSpecs, feedbackTokenPath, logTail, runningSupervisor, startDevServices } from '../stack/dev-services.js';
import { devLayout } from '../stack/dev-stack.js';
import type { StackLayout, StackUrls } from '../stack/local-stack.js';
import { readState, runningServices, stackUrls, startService, startStack } from '../stack/local-stack.js';
import { isOurs } from '../stack/processes.js';
import { provision } from '../stack/provision.js';
import type { SupervisedService } from '../stack/supervisor.js';
import { supervise } from '../stack/supervisor.js';

export interface DevStack {
  layout: StackLayout;
  urls: StackUrls;
  /** The model server the stack keeps, and the token that may post outcomes to it. */
  server: { url: string; feedbackToken: string };
}

/** Temporal and MinIO, then the supervised workers and model server; reuses whatever already runs. */
export async function bringUpDevStack(): Promise<DevStack> {
  const layout = devLayout();
  const state = await startStack(layout, await provision());
  const servePort = devServePort();
  const supervised = await startDevServices(layout, servePort);
  const server = supervised.services.find((service) => service.name === 'model-server');
  return { layout, urls: stackUrls(state.ports), server: { url: server?.url ?? `http://127.0.0.1:${servePort}`, feedbackToken: await devFeedbackToken(layout.home) } };
}

export function describeDevStack(stack: DevStack): string[] {
  return [
    `  Temporal      ${stack.urls.temporalAddress}`,
    `  Web UI        ${stack.urls.webUi}`,
    `  MinIO         ${stack.urls.minioEndpoint} (console ${stack.urls.minioConsole})`,
    `  workers       general and trainer, kept running (restarted if they crash)`,
    `  model server  ${stack.server.url} (outcomes need the token in ${feedbackTokenPath(stack.layout.home)})`,
    '  `npx ctrain dev status` shows each process and its log; `npx ctrain dev down` stops them all',
  ];
}

export interface DevStackStatus {
  home: string;
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
  const kept = new Map(supervisor?.services.map((service) => [service.name, service]) ?? []);
  const where = { temporal: `${urls.temporalAddress}, Web UI ${urls.webUi}`, minio: `${urls.minioEndpoint}, console ${urls.minioConsole}` };
  const services: DevStackStatus['services'] = (['temporal', 'minio'] as const).map((name) => {
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
  for (const name of ['general-worker', 'trainer-worker', 'model-server'] as const) {
    const service = kept.get(name);
    const alive = service?.pid !== undefined && isOurs(service.pid, 'bin/ctrain.js');
    services.push({
      name,
      pid: alive ? service.pid : undefined,
      log: service?.log ?? `${layout.home}/logs/${name}.log`,
      url: service?.url,
      restarts: service?.restarts ?? 0,
      lastExit: service?.lastExit,
      state: alive ? (service.ready ? 'running' : 'starting') : 'stopped',
    });
  }
  return { home: layout.home, healthy: services.every((service) => service.state === 'running'), services };
}

export async function describeStatus(status: DevStackStatus): Promise<string[]> {
  if (status.services.every((service) => service.state === 'stopped')) return [`ctrain: stack is down (data in ${status.home}); start it with \`npx ctrain dev up\``];
  const lines: string[] = [];
  for (const service of status.services) {
    const health = service.state === 'stopped' ? 'stopped' : `${service.state} (pid ${service.pid})`;
    const restarts = service.restarts ? `, ${service.restarts} restart${service.restarts === 1 ? '' : 's'}` : '';
    lines.push(`${service.name.padEnd(14)} ${`${health}${restarts}`.padEnd(34)} ${service.url ?? ''}`.trimEnd());
    lines.push(`${''.padEnd(14)} log ${service.log}`);
    // A service that has crashed shows how it last ended, in its own words.
    if (service.lastExit && (service.state !== 'running' || service.restarts > 0)) {
      lines.push(`${''.padEnd(14)} last exit ${service.lastExit.at}: ${service.lastExit.signal ?? `code ${service.lastExit.code ?? '?'}`}; its log ends:`);
      lines.push(await logTail(service.log, 5));
    }
  }
  if (!status.healthy) lines.push('ctrain: not every service runs; `npx ctrain dev up` starts what is missing');
  return lines;
}

/** The supervisor process itself: keeps the workers and the model server, and watches Temporal and MinIO. */
export async function superviseDevStack(home: string, servePort: number): Promise<void> {
  const layout = { ...devLayout(), home };
  const tools = await provision(() => undefined);
  const watched = (['temporal', 'minio'] as const).map((name) => ({
    name,
    log: `${home}/logs/${name}.log`,
    alive: async () => {
      const state = await readState(home);
      const service = state?.services.find((candidate) => candidate.name === name);
      return service !== undefined && isOurs(service.pid, home);
    },
    restart: async () => void (await startService(layout, tools, name)),
  }));
  await supervise(home, devServiceSpecs(layout, servePort), watched);
}
