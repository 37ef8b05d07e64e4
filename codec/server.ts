/**
 * A Temporal codec server: POST …/encode and POST …/decode with `{payloads: [...]}` in proto3
 * JSON, so the Web UI and the `temporal` CLI can show encrypted payloads to whoever may call it.
 * Only the last path segment picks the operation, as the protocol asks, so `/decode`,
 * `/default/decode` (the CLI's `{namespace}` template) and deeper mounts all work.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { PayloadCodec } from '@temporalio/common';
import { bearerMatches } from '../http/bearer.js';
import { installJsonErrors } from '../http/errors.js';
import { PayloadJsonError, payloadsFromBody, payloadToJson } from '../infra/payload-json.js';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Origins (scheme://host:port) whose pages may call the server: the Web UI's. */
  corsOrigins: readonly string[];
  /** Fastify's pino logger settings. Default false (silent). Payloads are never logged. */
  logger?: FastifyServerOptions['logger'];
  /** Largest request body in bytes. Default 4 MiB. */
  bodyLimit?: number;
}

export interface CodecServer {
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Headers the Web UI and the CLI send: X-Namespace on every call, Authorization when configured. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';

export function createCodecServer(options: CodecServerOptions): CodecServer {
  const { codec, token, corsOrigins } = options;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024 });

  // CORS: the browser asks first (OPTIONS, never with credentials), then posts from the Web UI's origin.
  app.addHook('onRequest', async (request, reply) => {
    const { origin } = request.headers;
    if (origin && corsOrigins.includes(origin)) {
      void reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-allow-credentials', 'true');
      if (request.method === 'OPTIONS') {
        return reply.code(204).header('access-control-allow-methods', 'POST, OPTIONS').header('access-control-allow-headers', ALLOWED_HEADERS).header('access-control-max-age', '600').send();
      }
    }
  });
  app.options('/*', (_request, reply) => reply.code(204).send());

  app.post('/*', async (request: FastifyRequest, reply: FastifyReply) => {
    if (token !== undefined && !bearerMatches(request.headers.authorization, [token])) {
      void reply.header('www-authenticate', 'Bearer');
      return reply.code(401).send({ error: 'unauthorized', message: 'send Authorization: Bearer <the codec token>' });
    }
    // The path as sent, not parsed as a URL: `//[bad/decode` would read as a host, and an invalid one throws.
    const operation = request.url.split('?', 1)[0]!.split('/').filter(Boolean).at(-1);
    if (operation !== 'encode' && operation !== 'decode') return reply.code(404).send({ error: 'not_found', message: 'POST …/encode or …/decode' });
    try {
      const payloads = payloadsFromBody(request.body);
      const result = operation === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
      return reply.send({ payloads: result.map(payloadToJson) });
    } catch (error) {
      // The protocol answers 400 for a bad body and for a payload the codec refuses (unknown key, altered bytes).
      return reply.code(400).send({ error: error instanceof PayloadJsonError ? 'invalid_payloads' : 'codec_error', message: (error as Error).message });
    }
  });

  installJsonErrors(app, { 413: 'body_too_large', 415: 'unsupported_media_type' });
  let closing: Promise<void> | undefined;
  return { app, close: () => (closing ??= app.close()) };
}
