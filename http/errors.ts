import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * JSON bodies for unknown routes and failed requests: 5xx are logged and answered without
 * details; 4xx get `names[status]` (default 'bad_request') and Fastify's message.
 */
export function installJsonErrors(app: FastifyInstance, names: Readonly<Record<number, string>>): void {
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error(error);
      return reply.code(500).send({ error: 'internal', message: 'internal server error' });
    }
    return reply.code(status).send({ error: names[status] ?? 'bad_request', message: error.message });
  });
}
