/** Running `ctrain ui` as a process: listen on loopback, log with pino, stop cleanly on a signal. */
import { configFromEnv, devPorts } from '../infra/config.js';
import { gracefulShutdown } from '../infra/shutdown.js';
import type { Shutdown } from '../infra/shutdown.js';
import { createUiServer } from './server.js';
import { ObjectStore } from '../storage/gateway.js';
import { DEFAULT_UI_PORT } from '../contracts/settings.js';

export { DEFAULT_UI_PORT };

export interface RunningUi extends Shutdown {
  url: string;
}

export async function runUiServer({ port = DEFAULT_UI_PORT, host = '127.0.0.1', storage, handleSignals = true, env = process.env }: { port?: number; host?: string; storage?: ObjectStore; handleSignals?: boolean; env?: NodeJS.ProcessEnv }): Promise<RunningUi> {
  const config = configFromEnv(env);
  // Run rows link to the embedded stack's Web UI unless CTRAIN_TEMPORAL_UI_URL names another one.
  const webUiBase = env.CTRAIN_TEMPORAL_UI_URL || `http://127.0.0.1:${devPorts(env).temporalUi}`;
  const app = createUiServer({
    storage: storage ?? new ObjectStore(config.minio),
    links: { webUi: `${webUiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.temporal.namespace)}` },
    logger: { level: 'warn' },
  });
  const shutdown = gracefulShutdown({ what: 'ctrain ui', log: app.log, stop: () => app.close(), handleSignals, onSignalDoing: 'closing' });
  try {
    const url = await app.listen({ port, host });
    return { url, ...shutdown };
  } catch (error) {
    await shutdown.close();
    throw error;
  }
}
