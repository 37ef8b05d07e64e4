/**
 * The processes `ctrain dev up` keeps running beside Temporal and MinIO — a general worker, a
 * trainer worker and the model server — so that every command works after the demo ends.
 * They run under one supervisor process (`ctrain dev supervise`), in its process group.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackLayout } from './local-stack.js';
import { isStackService, stackUrls } from './local-stack.js';
import { DEFAULT_SERVE_PORT } from '../contracts/settings.js';
import { portFromEnv } from '../infra/config.js';
import { PROJECT_ROOT } from './paths.js';
import { assertPortFree } from './ports.js';
import { isAlive, isOurs, stopProcess } from './processes.js';
import type { SupervisedSpec, SupervisedState } from './supervisor.js';
import { readSupervised, supervisedStatePath } from './supervisor.js';

/** The dev model server's port: CTRAIN_SERVE_PORT, default 8080 (the model server's own default). */
export const devServePort = (env: NodeJS.ProcessEnv = process.env): number => portFromEnv('CTRAIN_SERVE_PORT', DEFAULT_SERVE_PORT, env);

/** The token that may post outcomes to the dev model server: made once per home, readable by its owner only. */
export async function devFeedbackToken(home: string): Promise<string> {
  const path = feedbackTokenPath(home);
  const existing = (await readFile(path, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  const token = randomBytes(24).toString('base64url');
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return token;
}
/** Where the dev model server's feedback token is kept. */
export const feedbackTokenPath = (home: string): string => join(home, 'feedback-token');

/** What the supervisor runs: each a `ctrain` command of this checkout, pointed at the stack; `generalWorkers` general workers, one trainer. */
export function devServiceSpecs(layout: StackLayout, servePort: number, generalWorkers = 1): SupervisedSpec[] {
  const urls = stackUrls(layout.ports);
  const cli = [process.execPath, join(PROJECT_ROOT, 'bin', 'ctrain.js')];
  const env = {
    CTRAIN_TEMPORAL_ADDRESS: urls.temporalAddress,
    CTRAIN_MINIO_ENDPOINT: urls.minioEndpoint,
    CTRAIN_MINIO_ACCESS_KEY: layout.minio.accessKey,
    CTRAIN_MINIO_SECRET_KEY: layout.minio.secretKey,
  };
  const general = Array.from({ length: generalWorkers }, (_, index): SupervisedSpec => ({
    name: generalWorkers === 1 ? 'general-worker' : `general-worker-${index + 1}`,
    command: [...cli, 'worker', '--role', 'general'],
    env,
    readyWhen: /worker \(general\) ready on/,
  }));
  return [
    ...general,
    { name: 'trainer-worker', command: [...cli, 'worker', '--role', 'trainer'], env, readyWhen: /worker \(trainer\) ready on/ },
    {
      name: 'model-server',
      command: [...cli, 'serve', '--port', String(servePort), '--log-level', 'warn'],
      // Outcomes only with the stack's own token; the log flushed every second, so a drift check right after traffic sees it.
      env: { ...env, CTRAIN_FEEDBACK_TOKENS_FILE: feedbackTokenPath(layout.home), CTRAIN_PREDICTION_LOG_FLUSH_MS: '1000' },
      readyWhen: /model server listening on/,
      url: `http://127.0.0.1:${servePort}`,
    },
  ];
}

const READY_TIMEOUT_MS = 180_000;

/**
 * Starts the supervisor unless one runs for this home, then waits until every service it keeps
 * has said it is ready. A service that keeps failing is reported with the end of its log.
 */
export async function startDevServices(layout: StackLayout, servePort: number, generalWorkers = 1): Promise<SupervisedState> {
  const running = await runningSupervisor(layout.home);
  if (!running) {
    await assertPortFree(servePort, 'model server', 'CTRAIN_SERVE_PORT');
    await devFeedbackToken(layout.home);
    await rm(supervisedStatePath(layout.home), { force: true });
    const log = join(layout.home, 'logs', 'supervisor.log');
    const fd = openSync(log, 'a');
    try {
      // `--home` puts the stack's folder in its command line: how `down` knows the pid is still ours.
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'ctrain.js'), 'dev', 'supervise', '--home', layout.home, '--serve-port', String(servePort), '--general-workers', String(generalWorkers)], {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: process.env,
      });
      child.unref();
    } finally {
      closeSync(fd);
    }
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const state = await readSupervised(layout.home);
    const pending = state?.services.filter((service) => !service.ready) ?? [];
    if (state && pending.length === 0) return state;
    if (Date.now() > deadline) {
      const details = await Promise.all(pending.map(async (service) => `${service.name} (${service.restarts} restarts), last lines of ${service.log}:\n${await logTail(service.log)}`));
      throw new Error(`the dev stack's ${pending.map((service) => service.name).join(', ') || 'supervisor'} did not get ready within ${READY_TIMEOUT_MS / 1000} s.\n${details.join('\n')}`);
    }
    await sleep(250);
  }
}

/** The supervisor's state while its process still runs as ours. */
export async function runningSupervisor(home: string): Promise<SupervisedState | undefined> {
  const state = await readSupervised(home);
  return state && isOurs(state.supervisorPid, home) ? state : undefined;
}

/** Stops the supervisor and, through it, every service it keeps; returns their names. */
export async function stopDevServices(home: string): Promise<string[]> {
  const state = await readSupervised(home);
  if (!state) return [];
  const names = state.services.filter((service) => service.pid !== undefined && isAlive(service.pid) && !isStackService(service.name)).map((service) => service.name);
  // SIGTERM to the supervisor's group reaches its children too; each stops gracefully.
  await stopProcess(state.supervisorPid, home, 20_000);
  // A supervisor killed outright leaves its children: stop those it recorded.
  for (const service of state.services) {
    if (service.pid !== undefined && isOurs(service.pid, 'bin/ctrain.js')) await stopProcess(service.pid, 'bin/ctrain.js');
  }
  await rm(supervisedStatePath(home), { force: true });
  return names;
}

/** The last lines of a service's log, for status and start-up failures. */
export async function logTail(path: string, lines = 8): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '(no log yet)');
  return text.trimEnd().split('\n').slice(-lines).map((line) => `    ${line}`).join('\n');
}

