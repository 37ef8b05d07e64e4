import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../contracts/stack.js';
import type { FeatureTransform } from '../../features/feature-transform.js';
import { selectBackend } from '../../model/index.js';
import { PseudonymKeyError, pseudonymKey, pseudonymize } from '../../privacy/pseudonym.js';
import { modelServerOptionsFromEnv } from '../../serving/main.js';
import type { ModelServer, ModelServerOptions } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { fittedTransform, flightRows, publishVersion, readLog, versionSpec, writeRegistry } from '../support/serving-fixtures.js';
import type { ServingSettings } from '../support/serving-fixtures.js';
import { loadRegistry } from '../../infra/registry-store.js';
import { ObjectStore } from '../../storage/gateway.js';

const stack = inject('stack');
let storage: ObjectStore;
let transform: FeatureTransform;
const servers: ModelServer[] = [];
const KEY = 'serving-security-test-pseudonym-key';

beforeAll(async () => {
  storage = new ObjectStore(stack.minio);
  await selectBackend();
  transform = fittedTransform();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A model with a production version in MinIO, unique to the test. */
async function publishedModel(settings?: ServingSettings): Promise<string> {
  const modelName = `security-test-${randomUUID()}`;
  const { entry, layersModel } = await publishVersion(storage, modelName, 1, transform, settings);
  layersModel.dispose();
  await writeRegistry(storage, modelName, [entry], { production: 1 });
  return modelName;
}

async function serve(options: Partial<ModelServerOptions> & Pick<ModelServerOptions, 'models'>): Promise<ModelServer> {
  const server = await createModelServer({ storage, pollMs: 100, logSink: { flushMs: 600_000 }, ...options });
  servers.push(server);
  return server;
}

const post = (server: ModelServer, url: string, payload: unknown, headers: Record<string, string> = {}, remoteAddress?: string): Promise<LightMyRequestResponse> =>
  server.app.inject({ method: 'POST', url, payload: payload as object, headers, remoteAddress });

/** A POST whose path goes on the wire exactly as given. */
function rawPost(base: URL, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: base.hostname, port: base.port, method: 'POST', path, headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Every line of every log object under the model's prefix, as stored: the raw text, to look for clear values. */
async function rawLog(modelName: string, kind: 'predictions' | 'outcomes'): Promise<string> {
  const { keys } = await readLog(storage, modelName, kind);
  const texts = await Promise.all(keys.map((key) => storage.getText({ bucket: BUCKETS.logs, key: key })));
  return texts.join('');
}

describe('the model server under abuse', () => {
  it('answers 429 with Retry-After once a caller passes its rate; other callers and known feedback tokens keep their own budgets', async () => {
    const modelName = await publishedModel();
    // One hour for 3 requests: the test cannot cross the window however slowly it runs.
    const server = await serve({ models: [modelName], rateLimit: { max: 3, windowMs: 3_600_000 }, feedbackTokens: ['feedback-token'] });
    const url = `/v1/models/${modelName}/predict`;
    const [row] = flightRows(1);
    for (let i = 0; i < 3; i++) {
      const reply = await post(server, url, { row });
      expect(reply.statusCode).toBe(200);
      expect(reply.headers['x-ratelimit-remaining']).toBe(String(2 - i));
    }
    const limited = await post(server, url, { row });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(limited.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/more than 3 requests in 3600 s/) as unknown });
    // Every /v1 route shares the caller's budget; health, readiness and metrics do not count.
    expect((await server.app.inject({ url: `/v1/models/${modelName}` })).statusCode).toBe(429);
    expect((await server.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await server.app.inject({ url: '/metrics' })).body).toContain(`ctrain_serving_requests_total{model="${modelName}",version="",alias="",status="429"} 1`);

    const answered = await post(server, url, { row }, {}, '10.1.2.3');
    expect(answered.statusCode).toBe(200);
    // A known token is its own caller; an unknown one is counted against the address, so inventing tokens buys nothing.
    const outcomes = { outcomes: [{ id: answered.json<{ predictions: { id: string }[] }>().predictions[0]!.id, label: 1 }] };
    expect((await post(server, `/v1/models/${modelName}/outcomes`, outcomes, { authorization: 'Bearer feedback-token' })).statusCode).toBe(202);
    expect((await post(server, `/v1/models/${modelName}/outcomes`, outcomes, { authorization: 'Bearer invented' })).statusCode).toBe(429);
  });

  it('answers 400 to model names in the URL that could leave a key prefix, before anything is looked up', async () => {
    const modelName = await publishedModel();
    const server = await serve({ models: [modelName], feedbackTokens: ['feedback-token'] });
    const [row] = flightRows(1);
    const hostile = ['a%2Fb', '%2e%2e%2Fregistry', '..%2F..%2Fother', 'Flight-Delay', 'x%00y', '', 'a'.repeat(64), 'flight_delay', `${modelName.toUpperCase()}`];
    for (const name of hostile) {
      const replies = {
        predict: await post(server, `/v1/models/${name}/predict`, { row }),
        describe: await server.app.inject({ url: `/v1/models/${name}` }),
        outcomes: await post(server, `/v1/models/${name}/outcomes`, { outcomes: [{ id: 'x', label: 1 }] }, { authorization: 'Bearer feedback-token' }),
      };
      for (const [route, reply] of Object.entries(replies)) {
        expect(reply.statusCode, `${route} ${JSON.stringify(name)}`).toBe(400);
        expect(reply.json()).toMatchObject({ error: 'invalid_model_name', message: expect.stringMatching(/^model name ".*" must (be a lowercase slug|be at most 63 characters|not be empty)/) as unknown });
      }
    }
    // A path that leaves the route altogether matches nothing.
    expect((await post(server, `/v1/models/../${modelName}/predict`, { row })).statusCode).toBe(404);
    // Dot segments sent raw (as `curl --path-as-is` does; inject and fetch normalise them away) reach the route as a name.
    const url = new URL(await server.app.listen({ port: 0, host: '127.0.0.1' }));
    for (const name of ['..', '%2e%2e', '.%2E']) {
      const { status, body } = await rawPost(url, `/v1/models/${name}/predict`, JSON.stringify({ row }));
      expect(status, name).toBe(400);
      expect(JSON.parse(body)).toMatchObject({ error: 'invalid_model_name', message: 'model name ".." must be a lowercase slug like "flight-delay" (a-z, 0-9, single hyphens)' });
    }
    // Without credentials the outcomes route says 401 before judging the name.
    expect((await post(server, '/v1/models/a%2Fb/outcomes', { outcomes: [{ id: 'x', label: 1 }] })).statusCode).toBe(401);
  });

  it('takes outcomes only with a token from CTRAIN_FEEDBACK_TOKENS_FILE, stores nothing for a missing or wrong one, and never logs a token', async () => {
    const modelName = await publishedModel();
    const file = join(mkdtempSync(join(tmpdir(), 'ctrain-feedback-')), 'tokens');
    writeFileSync(file, 'fb-file-token-a\nfb-file-token-b-which-is-longer\n');
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
    const server = await serve({ models: [modelName], ...modelServerOptionsFromEnv({ CTRAIN_FEEDBACK_TOKENS_FILE: file }), logger: { level: 'trace', stream } });

    const predicted = await post(server, `/v1/models/${modelName}/predict`, { rows: flightRows(2) });
    const ids = predicted.json<{ predictions: { id: string }[] }>().predictions.map((p) => p.id);
    const feedback = (id: string, headers: Record<string, string>) => post(server, `/v1/models/${modelName}/feedback`, { outcomes: [{ id, label: 1 }] }, headers);
    const refused = [
      await feedback('refused-1', {}),
      await feedback('refused-2', { authorization: 'Bearer fb-file-token' }),
      await feedback('refused-3', { authorization: 'Bearer fb-file-token-a-and-more' }),
      await feedback('refused-4', { authorization: 'Basic fb-file-token-a' }),
      await feedback('refused-5', { authorization: 'Bearer x' }),
    ];
    for (const reply of refused) {
      expect(reply.statusCode).toBe(401);
      expect(reply.headers['www-authenticate']).toBe('Bearer');
    }
    expect((await feedback(ids[0]!, { authorization: 'Bearer fb-file-token-a' })).statusCode).toBe(202);
    expect((await feedback(ids[1]!, { authorization: 'Bearer fb-file-token-b-which-is-longer' })).statusCode).toBe(202);

    await server.close();
    expect((await readLog(storage, modelName, 'outcomes')).lines.map((line) => line.id)).toEqual(ids);
    const log = lines.join('');
    expect(log).toContain('incoming request');
    for (const secret of ['fb-file-token-a', 'fb-file-token-b-which-is-longer', 'fb-file-token']) expect(log).not.toContain(secret);
  });
});

describe('personal data in the prediction log', () => {
  it('writes a keyed hash of each personal column to MinIO, never the value, the same hash for the same value', async () => {
    // The personal columns come from the spec stored with the version, not from the server's options.
    const modelName = await publishedModel({ personal: ['carrier', 'customer'] });
    const server = await serve({ models: [modelName], pseudonymKey: KEY });
    const rows = [
      { distance: 300, hour: 7, carrier: 'AA', customer: 'alice@example.com' },
      { distance: 900, hour: 13, carrier: 'DL', customer: 'bob@example.com' },
      { distance: 1200, hour: 22, carrier: 'AA', customer: 'alice@example.com' },
      { distance: 500, hour: 9, carrier: null, customer: 'carol@example.com' },
    ];
    const reply = await post(server, `/v1/models/${modelName}/predict`, { rows });
    expect(reply.statusCode, reply.body).toBe(200);
    // The model scored the pseudonyms, as ingest stored them for training: a plain server given them scores the same.
    const hashed = rows.map((row) => ({ ...row, carrier: pseudonymize(row.carrier, pseudonymKey(KEY)), customer: pseudonymize(row.customer, pseudonymKey(KEY)) }));
    // The same artifacts registered without personal columns, under another name.
    const registered = (await loadRegistry(storage, modelName))!.versions[0]!;
    const plainModel = `security-test-${randomUUID()}`;
    await writeRegistry(storage, plainModel, [{ ...registered, spec: versionSpec(plainModel) }], { production: 1 });
    const plain = await serve({ models: [plainModel] });
    const plainScores = (await post(plain, `/v1/models/${plainModel}/predict`, { rows: hashed })).json<{ predictions: { score: number }[] }>().predictions.map((p) => p.score);
    expect(reply.json<{ predictions: { score: number }[] }>().predictions.map((p) => p.score)).toEqual(plainScores);
    await server.close();

    const key = pseudonymKey(KEY);
    const { lines } = await readLog(storage, modelName, 'predictions');
    const mine = lines.filter((line) => line.requestId === reply.headers['x-request-id']);
    expect(mine.map((line) => line.input)).toEqual(rows.map((row) => ({ ...row, carrier: pseudonymize(row.carrier, key), customer: pseudonymize(row.customer, key) })));
    const inputs = mine.map((line) => line.input as Record<string, unknown>);
    expect(inputs[0]?.carrier).toBe(inputs[2]?.carrier);
    expect(inputs[0]?.customer).toBe(inputs[2]?.customer);
    expect(inputs[0]?.carrier).not.toBe(inputs[1]?.carrier);
    expect(inputs[3]?.carrier).toBeNull();
    expect(inputs[0]?.carrier).toMatch(/^[0-9a-f]{64}$/);

    const raw = await rawLog(modelName, 'predictions');
    for (const clear of ['alice@example.com', 'bob@example.com', 'carol@example.com', '"AA"', '"DL"']) expect(raw).not.toContain(clear);
  });

  it('refuses to start when a version has personal columns and there is no pseudonym key, or a short one', async () => {
    const modelName = await publishedModel({ personal: ['carrier'] });
    await expect(createModelServer({ storage, models: [modelName] })).rejects.toThrow(PseudonymKeyError);
    await expect(createModelServer({ storage, models: [modelName] })).rejects.toThrow(/CTRAIN_PSEUDONYM_KEY or CTRAIN_PSEUDONYM_KEY_FILE/);
    await expect(createModelServer({ storage, models: [modelName], pseudonymKey: 'short' })).rejects.toThrow(/at least 16/);
  });
});
