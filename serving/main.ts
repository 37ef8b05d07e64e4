/** Running the model server as a process (`ctrain serve`): listen, log with pino, and shut down cleanly on a signal. */
import { configFromEnv } from '../infra/config.js';
import { secretListFromEnv } from '../infra/secrets.js';
import { pseudonymKeyFromEnv } from '../privacy/pseudonym.js';
import { rateLimitFromEnv } from '../http/rate-limit.js';
import type { ModelServer, ModelServerOptions } from './server.js';
import { DEFAULT_SERVE_RATE_LIMIT, createModelServer } from './server.js';
import { gracefulShutdown } from '../infra/shutdown.js';
import { ObjectStore } from '../storage/gateway.js';
import { DEFAULT_SERVE_PORT } from '../contracts/settings.js';

export interface RunModelServerOptions extends Omit<ModelServerOptions, 'storage' | 'logger'> {
  /** TCP port; 0 picks a free one. Default {@link DEFAULT_SERVE_PORT}. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1 (loopback only); a container needs 0.0.0.0. */
  host?: string;
  /** Default: a client for the MinIO named by the environment ({@link configFromEnv}). */
  storage?: ObjectStore;
  /** pino log level. Default 'info'. */
  logLevel?: string;
  /** Close on the first SIGINT or SIGTERM (a second one kills the process). Default true. */
  handleSignals?: boolean;
}

export interface RunningModelServer {
  server: ModelServer;
  /** Base URL it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Stops the server and flushes the prediction log; the same promise however often it is called. */
  close(): Promise<void>;
  /** Settles once the server has closed, by close() or by a signal. */
  closed: Promise<void>;
}

/**
 * What `ctrain serve` reads from the environment: feedback tokens (CTRAIN_FEEDBACK_TOKENS,
 * comma-separated, or CTRAIN_FEEDBACK_TOKENS_FILE, one per line; without any, outcomes are
 * refused unless CTRAIN_FEEDBACK_OPEN is 1 or true), the per-caller rate limit
 * (CTRAIN_SERVE_RATE_LIMIT requests per CTRAIN_SERVE_RATE_WINDOW; 0 turns it off) and the
 * pseudonym key (CTRAIN_PSEUDONYM_KEY or CTRAIN_PSEUDONYM_KEY_FILE), and how often the prediction log
 * is written to MinIO (CTRAIN_PREDICTION_LOG_FLUSH_MS, default 5000).
 */
export function modelServerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<ModelServerOptions, 'feedbackTokens' | 'feedbackOpen' | 'rateLimit' | 'pseudonymKey' | 'logSink'> {
  const flushMs = env.CTRAIN_PREDICTION_LOG_FLUSH_MS?.trim();
  if (flushMs && !(/^\d+$/.test(flushMs) && Number(flushMs) >= 100 && Number(flushMs) <= 3_600_000)) {
    throw new Error(`CTRAIN_PREDICTION_LOG_FLUSH_MS=${flushMs} is not a whole number of milliseconds from 100 to 3600000`);
  }
  return {
    ...(flushMs ? { logSink: { flushMs: Number(flushMs) } } : {}),
    feedbackTokens: secretListFromEnv(env, 'CTRAIN_FEEDBACK_TOKENS'),
    feedbackOpen: ['1', 'true'].includes(env.CTRAIN_FEEDBACK_OPEN?.trim().toLowerCase() ?? ''),
    rateLimit: rateLimitFromEnv(env, 'CTRAIN_SERVE', DEFAULT_SERVE_RATE_LIMIT),
    pseudonymKey: pseudonymKeyFromEnv(env),
  };
}

/** Starts the model server and listens. Models that fail to load do not stop it: /readyz reports them. */
export async function runModelServer(options: RunModelServerOptions): Promise<RunningModelServer> {
  const { port = DEFAULT_SERVE_PORT, host = '127.0.0.1', logLevel = 'info', handleSignals = true, storage, ...serverOptions } = options;
  const server = await createModelServer({ ...serverOptions, storage: storage ?? new ObjectStore(configFromEnv().minio), logger: { level: logLevel } });
  const { log } = server.app;

  const { close, closed } = gracefulShutdown({
    what: 'model server',
    log,
    stop: () => server.close(),
    handleSignals,
    onSignalDoing: 'finishing requests in flight and flushing the prediction log',
  });
  try {
    const url = await server.app.listen({ port, host });
    return { server, url, close, closed };
  } catch (error) {
    await close();
    throw error;
  }
}
