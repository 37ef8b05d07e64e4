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
 * pseudonym key (CTRAIN_PSEUDONYM_KEY or CTRAIN_PSEUDONYM_KEY_FILE), how often the prediction log
 * is written to MinIO (CTRAIN_PREDICTION_LOG_FLUSH_MS, default 5000: what a crash can lose), and
 * micro-batching (CTRAIN_SERVE_BATCH_WAIT_MS, default 0: a batch takes the requests that have
 * arrived, without waiting for more; CTRAIN_SERVE_BATCH_MAX_ROWS, default 512).
 */
export function modelServerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<ModelServerOptions, 'feedbackTokens' | 'feedbackOpen' | 'rateLimit' | 'pseudonymKey' | 'logSink' | 'batching'> {
  const flushMs = wholeNumberFromEnv(env, 'CTRAIN_PREDICTION_LOG_FLUSH_MS', 100, 3_600_000, 'milliseconds');
  const waitMs = wholeNumberFromEnv(env, 'CTRAIN_SERVE_BATCH_WAIT_MS', 0, 1000, 'milliseconds');
  const maxRows = wholeNumberFromEnv(env, 'CTRAIN_SERVE_BATCH_MAX_ROWS', 1, 100_000, 'rows');
  const batching = { ...(waitMs !== undefined ? { waitMs } : {}), ...(maxRows !== undefined ? { maxRows } : {}) };
  return {
    ...(flushMs !== undefined ? { logSink: { flushMs } } : {}),
    ...(Object.keys(batching).length > 0 ? { batching } : {}),
    feedbackTokens: secretListFromEnv(env, 'CTRAIN_FEEDBACK_TOKENS'),
    feedbackOpen: ['1', 'true'].includes(env.CTRAIN_FEEDBACK_OPEN?.trim().toLowerCase() ?? ''),
    rateLimit: rateLimitFromEnv(env, 'CTRAIN_SERVE', DEFAULT_SERVE_RATE_LIMIT),
    pseudonymKey: pseudonymKeyFromEnv(env),
  };
}

/** A whole number from `low` to `high` in the variable, undefined when it is unset or blank; anything else is refused, naming the variable. */
function wholeNumberFromEnv(env: NodeJS.ProcessEnv, name: string, low: number, high: number, unit: string): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  if (!(/^\d+$/.test(text) && Number(text) >= low && Number(text) <= high)) throw new Error(`${name}=${text} is not a whole number of ${unit} from ${low} to ${high}`);
  return Number(text);
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
