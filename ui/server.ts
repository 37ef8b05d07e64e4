/** `ctrain ui`: a small read-only site over MinIO listing models, versions, runs and their reports. */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import { InvalidNameError, checkKeySegment, checkName } from '../contracts/names.js';
import type { ObjectRef } from '../contracts/pipeline-run.js';
import { installJsonErrors } from '../http/errors.js';
import { createCatalog } from './catalog.js';
import type { Links, Unreadable } from './pages.js';
import type { Registry } from '../contracts/model.js';
import { FormatVersionError } from '../contracts/format-version.js';
import { renderIndex, renderModel } from './pages.js';
import { runKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/gateway.js';
import { isMissingObject } from '../storage/gateway.js';

export interface UiServerOptions {
  storage: ObjectStore;
  links?: Links;
  logger?: FastifyServerOptions['logger'];
}

const HTML = 'text/html; charset=utf-8';

export function createUiServer({ storage, links = {}, logger = false }: UiServerOptions): FastifyInstance {
  const catalog = createCatalog(storage);
  const app = Fastify({ logger });
  installJsonErrors(app, { 400: 'bad_request', 404: 'not_found' });

  app.get('/healthz', () => ({ ok: true }));

  app.get('/', async (_request, reply) => {
    // One registry this ctrain cannot read (a newer format, say) is listed with why, not a failed page.
    const read = await Promise.all((await catalog.models()).map(async (modelName) => catalog.registry(modelName).catch((error: unknown) => unreadable(modelName, error))));
    const registries = read.filter((registry): registry is Registry => registry !== undefined && !('reason' in registry));
    return reply.type(HTML).send(renderIndex(registries, read.filter((entry): entry is Unreadable => entry !== undefined && 'reason' in entry)));
  });

  app.get<{ Params: { model: string } }>('/models/:model', async (request, reply) => {
    const modelName = checked(() => checkName(request.params.model));
    const registry = await catalog.registry(modelName).catch((error: unknown) => unreadable(modelName, error));
    if (registry && 'reason' in registry) return reply.code(422).send({ error: 'unreadable_registry', message: registry.reason });
    if (!registry) return notFound(reply, `no model ${modelName} in the registry`);
    const [reports, drift] = await Promise.all([catalog.runsWithReports(registry.runs.map((run) => run.runId)), catalog.driftReports(modelName)]);
    return reply.type(HTML).send(renderModel(registry, reports, drift, links));
  });

  app.get<{ Params: { runId: string } }>('/runs/:runId/report', async (request, reply) => {
    const runId = checked(() => checkKeySegment(request.params.runId, 'run id'));
    return sendObject(reply, runKeys.report(runId), `run ${runId} has no report (yet)`);
  });

  app.get<{ Params: { model: string; name: string } }>('/models/:model/drift/:name', async (request, reply) => {
    const modelName = checked(() => checkName(request.params.model));
    const name = checked(() => checkKeySegment(request.params.name, 'drift report'));
    const entry = (await catalog.driftReports(modelName)).find((report) => report.name === name);
    if (!entry?.html) return notFound(reply, `${modelName} has no drift report page ${name}`);
    return sendObject(reply, entry.html, `${modelName} has no drift report page ${name}`);
  });

  async function sendObject(reply: FastifyReply, ref: ObjectRef, missing: string): Promise<FastifyReply> {
    let body: Buffer;
    try {
      body = await storage.getBuffer(ref);
    } catch (error) {
      if (isMissingObject(error)) return notFound(reply, missing);
      throw error;
    }
    return reply.type(HTML).send(body);
  }
  return app;
}

/** A registry this ctrain cannot read, and why; other errors (MinIO away) still fail the page. */
function unreadable(modelName: string, error: unknown): Unreadable {
  if (error instanceof FormatVersionError) return { modelName, reason: error.message };
  throw error;
}

const notFound = (reply: FastifyReply, message: string): FastifyReply => reply.code(404).send({ error: 'not_found', message });

/** A name from the URL that breaks the naming rule is the caller's mistake: 400 with the reason. */
function checked(check: () => string): string {
  try {
    return check();
  } catch (error) {
    if (error instanceof InvalidNameError) throw Object.assign(new Error(error.message), { statusCode: 400 });
    throw error;
  }
}
