/**
 * The model server (DESIGN §6): production and canary versions over HTTP, JSON in and scores out,
 * inputs checked against the training transform, hot reload on alias changes, Prometheus metrics,
 * and a prediction log in MinIO. Concurrent requests' rows are scored together (micro-batches,
 * serving/micro-batch.ts); each request is checked and answered on its own.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { nameProblem, quote } from '../contracts/names.js';
import { PseudonymKeyError, pseudonymKey } from '../privacy/pseudonym.js';
import { inputColumns } from '../features/feature-transform.js';
import { bearerMatches } from '../http/bearer.js';
import type { BackendChoice } from '../model/index.js';
import { selectBackend, servingPreference } from '../model/index.js';
import { readOutcomesBody, readPredictBody } from './bodies.js';
import { loadPredictionIdKey, loadUnsignedIdsUntil, PredictionIds } from './prediction-ids.js';
import { chooseAlias } from './canary.js';
import { UNROUTED, createServingMetrics, recordReload } from './metrics.js';
import { ModelSet } from './model-set.js';
import { predictAnswerJson, scoreTexts } from './predict-answer.js';
import { PredictionLog } from './prediction-log.js';
import { ThreadedUploads } from './log-uploads.js';
import type { PredictionLogOptions } from './prediction-log.js';
import type { RateLimit } from '../http/rate-limit.js';
import { rateLimitHook } from '../http/rate-limit.js';
import { SERVED_ALIASES } from './registry-watch.js';
import { reloadLogger } from './reload-log.js';
import type { ObjectStore } from '../storage/gateway.js';
import type { FormatOneSpecs } from '../contracts/version-spec.js';
import { encodeRows, scoreRows } from '../scoring/scoring.js';
import { predict } from '../model/index.js';
import type { LoadedVersion } from '../scoring/loaded-version.js';
import type { MicroBatchSettings } from './micro-batch.js';
import { DEFAULT_MICRO_BATCH, MicroBatcher } from './micro-batch.js';
import { installJsonErrors } from '../http/errors.js';
import { installHttpMetrics } from '../http/metrics.js';

export interface ModelServerOptions {
  storage: ObjectStore;
  /** Models to serve, or 'all' for every model with a registry in MinIO (new ones are picked up while running). */
  models: readonly string[] | 'all';
  /** Mixed into the request-id hash that routes canary traffic; change it to reshuffle which requests go there. */
  canarySeed?: string | number;
  /** Prediction log settings (sample rate, batch size and interval). */
  logSink?: Omit<PredictionLogOptions, 'storage' | 'onError'>;
  /**
   * Key of the hash that replaces personal columns (a version's spec names them) in scoring and
   * in the prediction log, as ingest stored them for training: at least 16 bytes
   * (CTRAIN_PSEUDONYM_KEY). A version with personal columns does not load without it.
   */
  pseudonymKey?: string | Buffer;
  /**
   * Specs for versions an earlier ctrain registered without theirs (registry format 1), e.g. the
   * shipped ones (pipelines/format-one-specs.ts). Every other version carries its own; without
   * this, a format-1 version does not load.
   */
  formatOneSpecs?: FormatOneSpecs;
  /** Registry poll interval in milliseconds. Default 1000. */
  pollMs?: number;
  /** Fastify's pino logger settings. Default false (silent). */
  logger?: FastifyServerOptions['logger'];
  /** Largest request body in bytes; larger ones get 413. Default 1 MiB. */
  bodyLimit?: number;
  /** Most rows (or outcomes) in one request. Default 10 000. */
  maxRowsPerRequest?: number;
  /** Bearer tokens that may post outcomes (feedback). None: outcomes are refused, unless `feedbackOpen`. */
  feedbackTokens?: readonly string[];
  /** Take outcomes without a token when there are no feedbackTokens: the operator's explicit choice (CTRAIN_FEEDBACK_OPEN=1). Default false. */
  feedbackOpen?: boolean;
  /** The key prediction ids are signed with (16 bytes or more). Default: CTRAIN_PREDICTION_ID_KEY, else the one kept in MinIO. */
  predictionIdKey?: Buffer;
  /** Outcomes for bare UUIDs (ids as servers issued them before ids were signed) are taken until then. Default: the time kept in MinIO ({@link loadUnsignedIdsUntil}). */
  unsignedIdsUntil?: Date;
  /** How rows of concurrent requests are scored together (see MicroBatchSettings). Default {@link DEFAULT_MICRO_BATCH}. */
  batching?: Partial<MicroBatchSettings>;
  /** Requests per caller (feedback token, else IP) on the /v1 routes; more get 429. false: no limit. Default {@link DEFAULT_SERVE_RATE_LIMIT}. */
  rateLimit?: RateLimit | false;
}

/** Default per-caller rate limit: 1000 requests a second sustained, bursts up to 60 000 (all traffic through one load balancer is one caller). */
export const DEFAULT_SERVE_RATE_LIMIT: RateLimit = { max: 60_000, windowMs: 60_000 };

export interface ModelServer {
  app: FastifyInstance;
  models: ModelSet;
  predictionLog: PredictionLog;
  /** The TensorFlow.js backend the server scores on, and why better ones were skipped. */
  backend: BackendChoice;
  /** Stops taking requests, waits for those in flight, flushes the prediction log, then frees the models. */
  close(): Promise<void>;
}

type Params = { Params: { model: string } };

declare module 'fastify' {
  interface FastifyRequest {
    /** The version and alias that answer a predict request, once its handler has chosen them; null on every other request. */
    predictRoute: { version: string; alias: string } | null;
  }
}

/** Builds the server and loads every model once; a model that fails to load is retried by polling and reported by /readyz. */
export async function createModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const maxRows = options.maxRowsPerRequest ?? 10_000;
  const feedbackTokens = (options.feedbackTokens ?? []).map((token) => token.trim()).filter((token) => token !== '');
  const key = options.pseudonymKey === undefined ? undefined : pseudonymKey(options.pseudonymKey);
  const backend = await selectBackend(servingPreference());
  const ids = new PredictionIds(options.predictionIdKey ?? (await loadPredictionIdKey(options.storage)));
  const unsignedUntil = options.unsignedIdsUntil ?? (await loadUnsignedIdsUntil(options.storage));

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // A caller may pin a request id (and so its canary routing) with X-Request-Id.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });
  // Uploads (their hashing above all) run in a thread of their own, off the answers' event loop.
  const logUploads = new ThreadedUploads(options.storage.config);
  const predictionLog = new PredictionLog({
    ...options.logSink,
    storage: logUploads,
    onError: (error) => app.log.warn(error.message),
  });
  const limit = rateLimitHook(options.rateLimit ?? DEFAULT_SERVE_RATE_LIMIT, feedbackTokens);
  const metrics = createServingMetrics(() => predictionLog.stats());
  installHttpMetrics(app, metrics.registry, 'ctrain_serving');
  const batching = { ...DEFAULT_MICRO_BATCH, ...options.batching };
  const batchers = new WeakMap<LoadedVersion, MicroBatcher>();
  const batcherOf = (loaded: LoadedVersion, modelName: string): MicroBatcher => {
    let batcher = batchers.get(loaded);
    if (!batcher) {
      const onBatch = (rows: number): void => metrics.batchRows.observe({ model: modelName }, rows);
      batcher = new MicroBatcher((features, rows) => predict(loaded.layersModel, features, rows, loaded.width), loaded.width, batching, onBatch);
      batchers.set(loaded, batcher);
    }
    return batcher;
  };
  const models = new ModelSet({
    storage: options.storage,
    models: options.models,
    load: { pseudonymKey: key, formatOne: options.formatOneSpecs },
    pollMs: options.pollMs,
    onReload: reloadLogger(app.log, (event) => recordReload(metrics, event)),
    // Rows still queued for a version are scored before its network is freed.
    retire: (loaded) => batchers.get(loaded)?.flush(),
    onDiscoveryError: (error) => app.log.warn(`listing model registries failed: ${error.message}`),
  });

  // Set by the predict handler once a version is chosen; read when the response is sent. A
  // property every request has from the start, as fastify advises, not a side table.
  app.decorateRequest('predictRoute', null);
  const countRequest = (request: FastifyRequest<Params>, reply: FastifyReply, done: () => void): void => {
    const modelName = models.get(request.params.model) ? request.params.model : '(unknown)';
    const { version, alias } = request.predictRoute ?? UNROUTED;
    // One object for both: the latency histogram reads the labels it declares and leaves the status.
    const labels = { model: modelName, version, alias, status: String(reply.statusCode) };
    metrics.requests.inc(labels);
    metrics.latency.observe(labels, reply.elapsedTime / 1000);
    done();
  };

  app.post<Params>('/v1/models/:model/predict', { onRequest: limit, onResponse: countRequest }, async (request, reply) => {
    const { model: modelName } = request.params;
    if (nameProblem(modelName) !== undefined) return invalidName(modelName, reply);
    const state = models.get(modelName)?.state;
    const production = state?.production;
    if (!production) return notFound(modelName, models, reply);
    const body = readPredictBody(request.body, maxRows);
    if ('problem' in body) return reply.code(400).send({ error: 'invalid_request', message: body.problem });
    // The canary's own spec says what share it takes.
    const alias = chooseAlias({ requestId: request.id, percent: state.canary?.canaryPercent ?? 0, hasCanary: state.canary !== undefined, seed: options.canarySeed });
    const loaded = (alias === 'canary' ? state.canary : undefined) ?? production;
    const version = String(loaded.version);
    request.predictRoute = { version, alias };
    const explain = explainCount(request.query);
    if (typeof explain === 'string') return reply.code(400).send({ error: 'invalid_request', message: explain });
    // The model learned personal columns as their pseudonyms (ingest hashed them): score and log those, never the values.
    const rows = loaded.scoringRows(body.rows);
    // Explanations need the network's gradients now, against the version just read; plain scores join the next micro-batch.
    const result = explain > 0 ? scoreRows(loaded, rows, explain) : encodeRows(loaded, rows);
    if ('problems' in result) {
      const rows = new Set(result.problems.map((p) => p.row)).size;
      return reply.code(400).send({ error: 'invalid_input', message: `${rows} of ${body.rows.length} rows are invalid for ${modelName} version ${version}`, problems: result.problems });
    }
    const scores = 'scores' in result ? result.scores : await batcherOf(loaded, modelName).scoreRows(result.features, rows.length);
    const explanations = 'explanations' in result ? result.explanations : undefined;
    const at = new Date().toISOString();
    const issued = ids.issueMany(modelName, scores.length);
    const texts = scoreTexts(scores);
    metrics.predictions.inc({ model: modelName, version, alias }, scores.length);
    // A score that is no number is left out of the histogram, not turned into a 500.
    metrics.scores.observeMany({ model: modelName, version }, scores);
    // Latency so far (validation and scoring) goes with each line: deploy compares canary and production on it.
    // Logged as scored: a number the version's spec clips is logged as the bound the model saw.
    predictionLog.recordRequest({ model: modelName, version: loaded.version, alias, at, requestId: request.id, latencyMs: reply.elapsedTime, ids: issued, scores, scoreTexts: texts, inputs: result.rows });
    void reply.header('x-request-id', request.id).type('application/json; charset=utf-8');
    return predictAnswerJson({ model: modelName, version: loaded.version, alias, ids: issued, scores: texts, explanations, clipped: result.clipped });
  });

  const acceptOutcomes = async (request: FastifyRequest<Params>, reply: FastifyReply) => {
    // Credentials first: a caller without them learns nothing, not even whether the name is valid.
    if (feedbackTokens.length === 0 && !options.feedbackOpen) {
      return reply.code(403).send({
        error: 'feedback_closed',
        message: 'this server takes no outcomes: its operator sets CTRAIN_FEEDBACK_TOKENS (or CTRAIN_FEEDBACK_TOKENS_FILE) for senders to use, or CTRAIN_FEEDBACK_OPEN=1 (ctrain serve --feedback-open) to take them without a token',
      });
    }
    if (feedbackTokens.length > 0 && !bearerMatches(request.headers.authorization, feedbackTokens)) {
      void reply.header('www-authenticate', 'Bearer');
      return reply.code(401).send({ error: 'unauthorized', message: 'posting outcomes needs a valid bearer token' });
    }
    const { model: modelName } = request.params;
    if (nameProblem(modelName) !== undefined) return invalidName(modelName, reply);
    if (!models.get(modelName)) return notFound(modelName, models, reply);
    const body = readOutcomesBody(request.body, maxRows);
    if ('problem' in body) return reply.code(400).send({ error: 'invalid_request', message: body.problem });
    // Outcomes steer retraining: each must answer a prediction this server issued for this model. All or none.
    // Whose id it is, if another model's, is worked out for the problems listed only: one signature per served model each.
    const others = models.names();
    const refused: { index: number; reason: string }[] = [];
    body.outcomes.forEach((outcome, index) => {
      const reason = ids.refusal(modelName, outcome.id, { others: refused.length < LISTED_PROBLEMS ? others : [], unsignedUntil });
      if (reason !== undefined) refused.push({ index, reason });
    });
    if (refused.length > 0) {
      const named = refused.slice(0, 10).map(({ index, reason }) => `outcomes[${index}]: ${reason}`).join('; ');
      return reply.code(400).send({
        error: 'unknown_prediction',
        message: `${named}${refused.length > 10 ? `; and ${refused.length - 10} more` : ''}. Nothing of this request was stored: post the ids ${modelName}'s predict answers gave`,
        indexes: refused.map(({ index }) => index),
        problems: refused.slice(0, LISTED_PROBLEMS),
      });
    }
    // The same id twice counts once: the first label, as the drift check and the canary comparison read them across requests.
    const seen = new Set<string>();
    const first = body.outcomes.filter(({ id }) => {
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    const at = new Date().toISOString();
    predictionLog.recordOutcomes(first.map((outcome) => ({ ...outcome, at, model: modelName })));
    metrics.outcomes.inc({ model: modelName }, first.length);
    return reply.code(202).send({ accepted: first.length, ...(first.length < body.outcomes.length ? { duplicates: body.outcomes.length - first.length } : {}) });
  };
  // Outcomes that arrive later, against the ids predictions were given: the feedback loop.
  app.post<Params>('/v1/models/:model/outcomes', { onRequest: limit }, acceptOutcomes);
  app.post<Params>('/v1/models/:model/feedback', { onRequest: limit }, acceptOutcomes);

  app.get('/v1/models', { onRequest: limit }, () => ({ models: models.names().map((modelName) => describe(modelName, models)) }));
  app.get<Params>('/v1/models/:model', { onRequest: limit }, (request, reply) => {
    const { model: modelName } = request.params;
    if (nameProblem(modelName) !== undefined) return invalidName(modelName, reply);
    return models.get(modelName) ? describe(modelName, models) : notFound(modelName, models, reply);
  });

  app.get('/healthz', () => ({ status: 'ok', backend: backend.name }));
  app.get('/readyz', (_request, reply) => {
    const missing = models.unready();
    return missing.length ? reply.code(503).send({ status: 'not_ready', missing }) : { status: 'ready', models: models.names() };
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  installJsonErrors(app, ERROR_NAMES);

  app.addHook('onClose', async () => {
    await predictionLog.close();
    await logUploads.close();
    await models.close();
  });
  await models.start();
  // A listed model whose spec has personal columns cannot be served without the key: say so at
  // start-up, not only in /readyz. With 'all', one such model must not take the others down.
  const listed = options.models === 'all' ? [] : models.names();
  const keyMissing = listed.map((name) => models.get(name)?.error).find((error) => error instanceof PseudonymKeyError);
  if (keyMissing) {
    await app.close();
    throw keyMissing;
  }
  let closing: Promise<void> | undefined;
  return { app, models, predictionLog, backend, close: () => (closing ??= app.close()) };
}

/** `?explain=N` (1–20, or `true` for 5): how many contributions to return per prediction; 0 without it; a sentence when it is malformed. */
function explainCount(query: unknown): number | string {
  const raw = (query as Record<string, unknown> | undefined)?.explain;
  if (raw === undefined) return 0;
  if (raw === 'true' || raw === '') return 5;
  const count = Number(raw);
  return Number.isInteger(count) && count >= 1 && count <= 20 ? count : `explain must be true or a whole number of contributions from 1 to 20, got ${JSON.stringify(raw)}`;
}

/** Refused outcomes listed with their reasons in one reply (`indexes` lists them all). */
const LISTED_PROBLEMS = 100;

/** Fastify's own client errors (bad JSON, too large, wrong type) get a stable name in the reply. */
const ERROR_NAMES: Record<number, string> = { 400: 'invalid_json', 413: 'body_too_large', 415: 'unsupported_media_type', 429: 'rate_limited' };

/** A model name from the URL that could not name a model (or a key under its prefix): 400, before anything is looked up. */
function invalidName(modelName: string, reply: FastifyReply): FastifyReply {
  return reply.code(400).send({ error: 'invalid_model_name', message: `model name ${quote(modelName)} ${nameProblem(modelName) ?? 'is not valid'}` });
}

function notFound(modelName: string, models: ModelSet, reply: FastifyReply): FastifyReply {
  const watch = models.get(modelName);
  const message = !watch
    ? `model "${modelName}" is not served here (serving: ${listed(models.names())})`
    : `model "${modelName}" has no production version loaded${watch.error ? `: ${watch.error.message}` : ''}`;
  return reply.code(404).send({ error: 'model_not_found', message });
}

/** What GET /v1/models/:model reports: the registry's aliases and the versions loaded for them. */
function describe(modelName: string, models: ModelSet) {
  const watch = models.get(modelName);
  const state = watch?.state;
  return {
    model: modelName,
    aliases: state?.registry.aliases ?? {},
    loaded: SERVED_ALIASES.flatMap((alias) => {
      const loaded = state?.[alias];
      return loaded ? [{ alias, version: loaded.version, task: loaded.transform.label.kind, inputs: inputColumns(loaded.transform) }] : [];
    }),
    loadedAt: state?.loadedAt ?? null,
    error: watch?.error?.message ?? null,
  };
}

function listed(names: string[]): string {
  if (names.length === 0) return 'none';
  return names.length > 10 ? `${names.slice(0, 10).join(', ')} and ${names.length - 10} more` : names.join(', ');
}
