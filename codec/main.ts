/** Running the codec server as a process (`ctrain codec-server`): keys, token and allowed origins from the environment. */
import { isIP } from 'node:net';
import { devPorts } from '../infra/config.js';
import { payloadCodecFromEnv } from '../infra/payload-codec.js';
import { secretFromEnv } from '../infra/secrets.js';
import { gracefulShutdown } from '../infra/shutdown.js';
import type { CodecServer } from './server.js';
import { createCodecServer } from './server.js';
import { DEFAULT_CODEC_PORT } from '../contracts/settings.js';

/** Default listening port (Temporal's codec server samples use it too). */
export { DEFAULT_CODEC_PORT };

/** The codec server cannot start as configured. */
export class CodecServerConfigError extends Error {
  override name = 'CodecServerConfigError';
}

export interface RunCodecServerOptions {
  /** TCP port; 0 picks a free one. Default {@link DEFAULT_CODEC_PORT}. */
  port?: number;
  /** Default 127.0.0.1. Any other address needs a token (CTRAIN_CODEC_TOKEN): the server decrypts for whoever calls it. */
  host?: string;
  /** pino log level. Default 'info'. */
  logLevel?: string;
  /** Close on the first SIGINT or SIGTERM. Default true. */
  handleSignals?: boolean;
  /**
   * CTRAIN_PAYLOAD_KEY or CTRAIN_PAYLOAD_KEY_FILE (required), CTRAIN_CODEC_TOKEN or CTRAIN_CODEC_TOKEN_FILE (optional
   * bearer token), CTRAIN_CODEC_CORS_ORIGINS (comma-separated; default the embedded Web UI on
   * 127.0.0.1 and localhost at CTRAIN_TEMPORAL_UI_PORT). Default process.env.
   */
  env?: NodeJS.ProcessEnv;
}

export interface RunningCodecServer {
  server: CodecServer;
  /** Base URL, e.g. http://127.0.0.1:8888: the codec endpoint to give the Web UI or `temporal --codec-endpoint`. */
  url: string;
  /** Id of the key new payloads are encrypted with. */
  keyId: string;
  close(): Promise<void>;
  closed: Promise<void>;
}

export async function runCodecServer(options: RunCodecServerOptions = {}): Promise<RunningCodecServer> {
  const { port = DEFAULT_CODEC_PORT, host = '127.0.0.1', logLevel = 'info', handleSignals = true, env = process.env } = options;
  const codec = payloadCodecFromEnv(env);
  if (!codec) throw new CodecServerConfigError('the codec server needs the payload keys: set CTRAIN_PAYLOAD_KEY (base64 of 32 bytes) or CTRAIN_PAYLOAD_KEY_FILE');
  const token = secretFromEnv(env, 'CTRAIN_CODEC_TOKEN')?.trim() || undefined;
  if (!token && !isLoopback(host)) throw new CodecServerConfigError(`the codec server decrypts for anyone who can reach it: set CTRAIN_CODEC_TOKEN to listen on ${host}, or listen on 127.0.0.1`);
  const corsOrigins = env.CTRAIN_CODEC_CORS_ORIGINS
    ? env.CTRAIN_CODEC_CORS_ORIGINS.split(',').map((origin) => origin.trim().replace(/\/+$/, '')).filter(Boolean)
    : [`http://127.0.0.1:${devPorts(env).temporalUi}`, `http://localhost:${devPorts(env).temporalUi}`];

  const server = createCodecServer({ codec, token, corsOrigins, logger: { level: logLevel } });
  const { close, closed } = gracefulShutdown({ what: 'codec server', log: server.app.log, stop: () => server.close(), handleSignals, onSignalDoing: 'finishing requests in flight' });
  try {
    const url = await server.app.listen({ port, host });
    return { server, url, keyId: codec.keyId, close, closed };
  } catch (error) {
    await close();
    throw error;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}
