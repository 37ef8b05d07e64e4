/** Request counts and latencies for every route of a Fastify server, by route template (never the raw URL). */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { BulkHistogram } from './bulk-histogram.js';
import { SeriesCounter } from './series-counter.js';

/** The `route` label of a request no route matched (404s, and bodies refused before routing). */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Registers `<prefix>_http_requests_total{method,route,status}` and
 * `<prefix>_http_request_duration_seconds{method,route}` in `registry`, counted when each response is sent.
 */
export function installHttpMetrics(app: FastifyInstance, registry: Registry, prefix: string): void {
  // Counted on every request: series found by one lookup, not prom-client's hashing of the labels.
  const requests = new SeriesCounter({
    name: `${prefix}_http_requests_total`,
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new BulkHistogram({
    name: `${prefix}_http_request_duration_seconds`,
    help: 'HTTP request latency by method and route template, receipt to response sent, in seconds',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    // A known method keeps the label set small whatever a client sends.
    const method = KNOWN_METHODS.has(request.method) ? request.method : 'OTHER';
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    requests.inc({ method, route, status: String(reply.statusCode) });
    latency.observe({ method, route }, reply.elapsedTime / 1000);
    done();
  });
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
