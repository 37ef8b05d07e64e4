/** Running the alert receiver as a process (`ctrain alerts`): connect to Temporal, listen, and shut down cleanly on a signal. */
import type { Client } from '@temporalio/client';
import { connectClient, temporalOptionsFromEnv } from '../infra/temporal-connection.js';
import { configFromEnv } from '../infra/config.js';
import { watchKnownModels } from '../pipelines/known-models.js';
import { ObjectStore } from '../storage/gateway.js';
import type { AlertAuth } from './auth.js';
import { authFromEnv, checkAuthConfig } from './auth.js';
import type { AlertReceiver, AlertReceiverOptions } from './server.js';
import { createAlertReceiver } from './server.js';
import { gracefulShutdown } from '../infra/shutdown.js';
import { DEFAULT_ALERTS_PORT } from '../contracts/settings.js';

/** Default listening port. */
export { DEFAULT_ALERTS_PORT };

export interface RunAlertReceiverOptions extends Omit<AlertReceiverOptions, 'client' | 'auth' | 'logger' | 'knownModels'> {
  /** TCP port; 0 picks a free one. Default {@link DEFAULT_ALERTS_PORT}. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1 (loopback only); a container needs 0.0.0.0. */
  host?: string;
  /** Default: a client for the Temporal named by the environment ({@link temporalOptionsFromEnv}: address, TLS, payload encryption), closed with the receiver. */
  client?: Client;
  /** Each field not given comes from CTRAIN_ALERT_TOKENS (comma-separated) or CTRAIN_ALERT_HMAC_SECRET. */
  auth?: AlertAuth;
  /**
   * Default: the models every entry point knows (pipelines/known-models.ts): shipped or added with
   * registerPipeline, specs stored by runs from files, and registries, read from `storage` every few seconds.
   */
  knownModels?: (modelName: string) => boolean;
  /** Where stored specs and registries are read. Default: the MinIO the environment names. */
  storage?: ObjectStore;
  /** pino log level. Default 'info'. */
  logLevel?: string;
  /** Close on the first SIGINT or SIGTERM. Default true. */
  handleSignals?: boolean;
  /** Where the credentials and the Temporal address come from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface RunningAlertReceiver {
  receiver: AlertReceiver;
  /** Base URL it listens on, e.g. http://127.0.0.1:8090. */
  url: string;
  /** Stops the receiver and closes the Temporal connection it opened; the same promise however often it is called. */
  close(): Promise<void>;
  /** Settles once the receiver has closed, by close() or by a signal. */
  closed: Promise<void>;
}

/** Starts the alert receiver and listens. Refuses to start without credentials unless `allowUnauthenticated` is true. */
export async function runAlertReceiver(options: RunAlertReceiverOptions = {}): Promise<RunningAlertReceiver> {
  const { port = DEFAULT_ALERTS_PORT, host = '127.0.0.1', logLevel = 'info', handleSignals = true, env = process.env, client: given, auth, storage, ...receiverOptions } = options;
  const fromEnv = authFromEnv(env);
  const credentials: AlertAuth = { bearerTokens: auth?.bearerTokens ?? fromEnv.bearerTokens, hmacSecret: auth?.hmacSecret ?? fromEnv.hmacSecret };
  // Refuse a receiver without credentials before reaching for Temporal.
  checkAuthConfig(credentials, receiverOptions.allowUnauthenticated);
  // Shipped pipelines, specs stored by runs from files, and registries: the models every other entry point knows.
  // Refresh failures before the receiver's logger exists wait for it.
  const warnings: { early: string[]; log?: (message: string) => void } = { early: [] };
  const onError = (error: unknown): void => {
    const message = `known models not refreshed from MinIO (the shipped pipelines stay known): ${String(error)}`;
    if (warnings.log) warnings.log(message);
    else warnings.early.push(message);
  };
  const watched = receiverOptions.knownModels ? undefined : await watchKnownModels(storage ?? new ObjectStore(configFromEnv(env).minio), { onError });
  const knownModels = receiverOptions.knownModels ?? ((modelName: string) => watched!.has(modelName));
  const own = given ? undefined : await temporalOptionsFromEnv(env);
  const client = own ? await connectClient(own) : (given as Client);
  const connection = given ? undefined : client.connection;
  let receiver: AlertReceiver;
  try {
    receiver = createAlertReceiver({ ...receiverOptions, knownModels, client, auth: credentials, logger: { level: logLevel } });
  } catch (error) {
    watched?.close();
    await connection?.close();
    throw error;
  }
  const { log } = receiver.app;
  warnings.log = (message) => log.warn(message);
  warnings.early.forEach(warnings.log);
  if (!credentials.bearerTokens?.some((token) => token.trim() !== '') && !credentials.hmacSecret) log.warn('alert receiver accepts unauthenticated requests');

  const { close, closed } = gracefulShutdown({
    what: 'alert receiver',
    log,
    stop: async () => {
      watched?.close();
      await receiver.close();
      await connection?.close();
      await own?.tracing?.flush();
    },
    handleSignals,
    onSignalDoing: 'finishing requests in flight',
  });
  try {
    const url = await receiver.app.listen({ port, host });
    return { receiver, url, close, closed };
  } catch (error) {
    await close();
    throw error;
  }
}
