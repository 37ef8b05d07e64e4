/**
 * The alert receiver (DESIGN §6): Alertmanager webhooks and a plain JSON form, authenticated,
 * each firing alert turned into a retrain signal for the model it names.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Client } from '@temporalio/client';
import { nameProblem } from '../contracts/names.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import type { AlertAuth } from './auth.js';
import { authenticate, checkAuthConfig } from './auth.js';
import type { AlertMetrics } from './metrics.js';
import { createAlertMetrics } from './metrics.js';
import type { Parsed, ReceivedAlert } from './payloads.js';
import { parseAlertmanager, parsePlainAlerts } from './payloads.js';
import type { AlertOutcome } from './plan.js';
import { planSignals } from './plan.js';
import { sendSignals } from './signal.js';
import { installJsonErrors } from '../http/errors.js';
import { installHttpMetrics } from '../http/metrics.js';
import type { RateLimit } from '../http/rate-limit.js';
import { rateLimitHook } from '../http/rate-limit.js';

/** Default per-caller rate limit: far above what Alertmanager sends, far below a flood of signals. */
export const DEFAULT_ALERT_RATE_LIMIT: RateLimit = { max: 600, windowMs: 60_000 };

export interface AlertReceiverOptions {
  client: Client;
  /** Task queue of the general workers, which run the model workflows. Default {@link TASK_QUEUES.general}. */
  taskQueue?: string;
  /** Trainer task queue for a model workflow the receiver starts. Default: the spec's. */
  trainTaskQueue?: string;
  auth: AlertAuth;
  /** Accept requests without credentials. Without it, a receiver with no token and no secret refuses to start. */
  allowUnauthenticated?: boolean;
  /** Alert label that names the model. Default 'model'. */
  modelLabel?: string;
  /** Whether a model may be signalled; others are answered 'unknown-model'. Default: every model. */
  knownModels?: (modelName: string) => boolean;
  /** Fastify's pino logger settings. Default false (silent). */
  logger?: FastifyServerOptions['logger'];
  /** Largest request body in bytes; larger ones get 413. Default 1 MiB. */
  bodyLimit?: number;
  /** Requests per caller (bearer token, else IP) on the alert routes; more get 429. false: no limit. Default {@link DEFAULT_ALERT_RATE_LIMIT}. */
  rateLimit?: RateLimit | false;
}

export interface AlertReceiver {
  app: FastifyInstance;
  metrics: AlertMetrics;
  /** Stops taking requests and waits for those in flight. Leaves the Temporal client open. */
  close(): Promise<void>;
}

type Route = 'alertmanager' | 'plain';

/** Builds the receiver; throws AlertReceiverConfigError when it has no credentials and unauthenticated use was not asked for. */
export function createAlertReceiver(options: AlertReceiverOptions): AlertReceiver {
  const auth = checkAuthConfig(options.auth, options.allowUnauthenticated);
  const modelLabel = options.modelLabel ?? 'model';
  const knownModels = options.knownModels ?? (() => true);
  const target = { client: options.client, taskQueue: options.taskQueue ?? TASK_QUEUES.general, trainTaskQueue: options.trainTaskQueue };
  const metrics = createAlertMetrics();
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 1024 * 1024 });
  const limited = { onRequest: rateLimitHook(options.rateLimit ?? DEFAULT_ALERT_RATE_LIMIT, auth.bearerTokens) };
  installHttpMetrics(app, metrics.registry, 'ctrain_alerts');

  // The HMAC is over the raw bytes, and credentials are checked before the body is read: keep it as a Buffer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const receive = (route: Route, parse: (body: unknown) => Parsed) => async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const authResult = authenticate(request.headers, raw, auth);
    if (!authResult.ok) {
      metrics.authFailures.inc({ reason: authResult.reason });
      request.log.warn({ ip: request.ip, reason: authResult.reason }, 'alert refused: missing or invalid credentials');
      void reply.header('www-authenticate', 'Bearer');
      return reply.code(401).send({ error: 'unauthorized', message: 'send Authorization: Bearer <token> or X-Ctrain-Signature: sha256=<HMAC-SHA256 of the body>' });
    }
    const json = readJson(raw);
    if ('problem' in json) return reply.code(400).send({ error: 'invalid_json', message: json.problem });
    const parsed = parse(json.value);
    if ('problem' in parsed) return reply.code(400).send({ error: 'invalid_payload', message: parsed.problem });

    const { outcomes, signals } = planSignals(parsed.alerts, knownModels);
    const invalid = outcomes.find((outcome) => outcome.outcome === 'invalid-model');
    if (invalid && signals.length === 0) {
      logOutcomes(request, route, parsed.alerts, outcomes, metrics, knownModels);
      return reply.code(400).send({ error: 'invalid_model', message: invalid.error, outcomes });
    }
    const results = await sendSignals(target, signals, new Date().toISOString());
    for (const result of results) {
      metrics.signalLatency.observe(result.seconds);
      metrics.signals.inc({ model: result.signal.modelName, result: result.ok ? 'sent' : 'failed' });
      if (result.ok) continue;
      request.log.error({ model: result.signal.modelName, err: result.error }, 'retrain signal failed');
      for (const index of result.signal.alerts) Object.assign(outcomes[index]!, { outcome: 'signal-failed', error: result.error });
    }
    logOutcomes(request, route, parsed.alerts, outcomes, metrics, knownModels);
    // A failed signal asks the sender to retry (Alertmanager does on 5xx); models signalled twice fold the repeat.
    return reply.code(results.every((result) => result.ok) ? 202 : 503).send({ outcomes });
  };

  app.post('/alerts/alertmanager', limited, receive('alertmanager', (body) => parseAlertmanager(body, modelLabel)));
  app.post('/alerts', limited, receive('plain', parsePlainAlerts));
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  installJsonErrors(app, { 413: 'body_too_large', 415: 'unsupported_media_type', 429: 'rate_limited' });

  let closing: Promise<void> | undefined;
  return { app, metrics, close: () => (closing ??= app.close()) };
}

/** Parses the body as JSON whatever its content type; `__proto__` keys are dropped. */
function readJson(raw: Buffer): { value: unknown } | { problem: string } {
  if (raw.length === 0) return { problem: 'body is empty; expected a JSON alert payload' };
  try {
    return { value: JSON.parse(raw.toString('utf8'), (key, value: unknown) => (key === '__proto__' ? undefined : value)) };
  } catch (error) {
    // The reviver recurses: thousands of nested arrays or objects exhaust the stack, which is no syntax error.
    if (error instanceof RangeError) return { problem: 'body nests arrays or objects too deeply to read' };
    return { problem: `body is not valid JSON: ${(error as Error).message}` };
  }
}

function logOutcomes(request: FastifyRequest, route: Route, alerts: readonly ReceivedAlert[], outcomes: AlertOutcome[], metrics: AlertMetrics, knownModels: (modelName: string) => boolean): void {
  outcomes.forEach((outcome, index) => {
    metrics.received.inc({ route, outcome: outcome.outcome });
    metrics.outcomes.inc({ model: outcomeModelLabel(outcome.model, knownModels), outcome: outcome.outcome });
    request.log.info({ route, ...outcome, severity: alerts[index]?.severity }, `alert ${outcome.alert}: ${outcome.outcome}`);
  });
}

/** The `model` label of an alert's outcome, so callers cannot grow the label set: '' for no valid model name, '(unknown)' for a model not served. */
function outcomeModelLabel(modelName: string | undefined, knownModels: (modelName: string) => boolean): string {
  if (modelName === undefined || nameProblem(modelName) !== undefined) return '';
  return knownModels(modelName) ? modelName : '(unknown)';
}
