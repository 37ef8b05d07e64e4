import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { PREDICTION_LOG_FORMAT } from '../../contracts/prediction-log.js';
import { BUCKETS } from '../../contracts/stack.js';
import type { FeatureTransform } from '../../features/feature-transform.js';
import type { InputRow } from '../../features/values.js';
import { exportNetwork, selectBackend } from '../../model/index.js';
import type { ModelServer, ModelServerOptions } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { directScores as scoresWithoutServer, eventually, fittedTransform, flightRows, publishVersion, readLog, versionEntry, writeRegistry } from '../support/serving-fixtures.js';
import { ObjectStore } from '../../storage/gateway.js';

const stack = inject('stack');
let storage: ObjectStore;
let transform: FeatureTransform;
const servers: ModelServer[] = [];

interface Prediction {
  id: string;
  version: number;
  alias: 'production' | 'canary';
  score: number;
}

beforeAll(async () => {
  storage = new ObjectStore(stack.minio);
  await selectBackend();
  transform = fittedTransform();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const uniqueModel = (): string => `serving-test-${randomUUID()}`;

async function serve(options: Partial<ModelServerOptions> & Pick<ModelServerOptions, 'models'>): Promise<ModelServer> {
  const server = await createModelServer({ storage, pollMs: 100, feedbackOpen: true, ...options });
  servers.push(server);
  return server;
}

const post = (server: ModelServer, url: string, payload: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
  server.app.inject({ method: 'POST', url, payload: payload as object, headers });

async function predictions(server: ModelServer, modelName: string, payload: unknown, headers?: Record<string, string>): Promise<Prediction[]> {
  const reply = await post(server, `/v1/models/${modelName}/predict`, payload, headers);
  expect(reply.statusCode, reply.body).toBe(200);
  const body = reply.json<{ model: string; predictions: Prediction[] }>();
  expect(body.model).toBe(modelName);
  return body.predictions;
}

/** What the training side computes for the same rows: the transform, then predict(), with no server in between. */
const directScores = (layersModel: tf.LayersModel, rows: readonly InputRow[]): number[] => scoresWithoutServer(layersModel, transform, rows);

describe('the model server', () => {
  it('scores single rows and batches exactly as predict() on applyTransform(), with a unique id per prediction', async () => {
    const modelName = uniqueModel();
    const { entry, layersModel } = await publishVersion(storage, modelName, 1, transform);
    await writeRegistry(storage, modelName, [entry], { production: 1 });
    const server = await serve({ models: [modelName] });

    // Unseen category, unknown (null) values and an extra field the transform ignores.
    const rows: InputRow[] = [...flightRows(5), { distance: null, hour: 3, carrier: 'ZZ' }, { distance: 800, hour: null, carrier: null, note: 'ignored' }];
    const batch = await predictions(server, modelName, { rows });
    expect(batch.map((p) => p.score)).toEqual(directScores(layersModel, rows));
    expect(batch.every((p) => p.version === 1 && p.alias === 'production')).toBe(true);
    const single = await predictions(server, modelName, { row: rows[5] });
    expect(single).toHaveLength(1);
    expect(single[0]?.score).toBe(directScores(layersModel, [rows[5] ?? {}])[0]);
    expect(new Set([...batch, ...single].map((p) => p.id)).size).toBe(rows.length + 1);

    expect((await server.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', models: [modelName] });
    // The health answer names the backend scoring runs on: wasm first, for requests of few rows.
    expect((await server.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', backend: 'wasm' });
    expect((await server.app.inject({ url: `/v1/models/${modelName}` })).json()).toMatchObject({
      model: modelName,
      aliases: { production: 1 },
      loaded: [{ alias: 'production', version: 1, task: 'binary', inputs: ['distance', 'hour', 'carrier'] }],
      error: null,
    });
    layersModel.dispose();
  });

  it('explains predictions on request: gradient × input per input feature, adding up to the logit of a bias-free network', async () => {
    const modelName = uniqueModel();
    const { entry, layersModel } = await publishVersion(storage, modelName, 1, transform);
    await writeRegistry(storage, modelName, [entry], { production: 1 });
    const server = await serve({ models: [modelName] });
    const rows = flightRows(4);

    const reply = await post(server, `/v1/models/${modelName}/predict?explain=20`, { rows });
    expect(reply.statusCode, reply.body).toBe(200);
    const explained = reply.json<{ predictions: (Prediction & { explanation: { feature: string; contribution: number }[] })[] }>().predictions;
    expect(explained.map((p) => p.score)).toEqual(directScores(layersModel, rows));
    for (const prediction of explained) {
      expect(prediction.version).toBe(1);
      // Every input feature once, largest effect first; a one-hot column set counts as one feature.
      expect(prediction.explanation.map((c) => c.feature).sort()).toEqual(['carrier', 'distance', 'hour']);
      const sizes = prediction.explanation.map((c) => Math.abs(c.contribution));
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      // An untrained network has zero biases: ReLU layers make it positively homogeneous, so the contributions sum to the logit.
      const total = prediction.explanation.reduce((sum, c) => sum + c.contribution, 0);
      expect(total).toBeCloseTo(Math.log(prediction.score / (1 - prediction.score)), 4);
    }
    const top = await post(server, `/v1/models/${modelName}/predict?explain=true`, { row: rows[0] });
    expect(top.json<{ predictions: { explanation: unknown[] }[] }>().predictions[0]!.explanation).toHaveLength(3);
    const plain = await predictions(server, modelName, { row: rows[0] });
    expect(plain[0]).not.toHaveProperty('explanation');
    const bad = await post(server, `/v1/models/${modelName}/predict?explain=lots`, { row: rows[0] });
    expect([bad.statusCode, bad.json<{ message: string }>().message]).toEqual([400, 'explain must be true or a whole number of contributions from 1 to 20, got "lots"']);
    layersModel.dispose();
  });

  it('rejects bad rows naming the row and field, bad bodies with 4xx, and unknown models with 404', async () => {
    const modelName = uniqueModel();
    const unregistered = uniqueModel();
    const { entry, layersModel } = await publishVersion(storage, modelName, 1, transform);
    layersModel.dispose();
    await writeRegistry(storage, modelName, [entry], { production: 1 });
    const server = await serve({ models: [modelName, unregistered], bodyLimit: 4096 });
    const url = `/v1/models/${modelName}/predict`;

    const [good, other] = flightRows(2);
    const bad = await post(server, url, { rows: [good, { distance: 10, carrier: 'AA' }, { ...other, distance: 'far' }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: 'invalid_input',
      problems: [
        { row: 1, field: 'hour', message: expect.stringMatching(/missing/) as unknown },
        { row: 2, field: 'distance', message: 'must be a finite number' },
      ],
    });
    expect((await post(server, url, { row: 'not an object' })).json()).toMatchObject({ error: 'invalid_input', problems: [{ row: 0, field: '(row)' }] });
    expect((await post(server, url, {})).json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/"rows"/) as unknown });
    expect((await post(server, url, { rows: [] })).statusCode).toBe(400);

    const notJson = await server.app.inject({ method: 'POST', url, payload: '{"rows": [', headers: { 'content-type': 'application/json' } });
    expect([notJson.statusCode, notJson.json<{ error: string }>().error]).toEqual([400, 'invalid_json']);
    const tooLarge = await post(server, url, { rows: flightRows(200) });
    expect([tooLarge.statusCode, tooLarge.json<{ error: string }>().error]).toEqual([413, 'body_too_large']);

    const unknown = await post(server, '/v1/models/no-such-model/predict', { row: good });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ message: string }>().message).toMatch(/model "no-such-model" is not served here/);
    const noProduction = await post(server, `/v1/models/${unregistered}/predict`, { row: good });
    expect([noProduction.statusCode, noProduction.json<{ message: string }>().message]).toEqual([404, `model "${unregistered}" has no production version loaded`]);

    const ready = await server.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'not_ready', missing: [{ model: unregistered, reason: 'no production version in its registry' }] });
  });

  it('hot-reloads a new production version, frees the old one, and keeps serving when a reload fails', async () => {
    const modelName = uniqueModel();
    const v1 = await publishVersion(storage, modelName, 1, transform);
    const v2 = await publishVersion(storage, modelName, 2, transform);
    const rows = flightRows(3);
    const tensorsBefore = tf.memory().numTensors;
    await writeRegistry(storage, modelName, [v1.entry], { production: 1 });
    const server = await serve({ models: [modelName] });
    expect((await predictions(server, modelName, { rows }))[0]?.version).toBe(1);

    await writeRegistry(storage, modelName, [v1.entry, v2.entry], { production: 2, previous: 1 });
    await eventually('version 2 answers', async () => (await predictions(server, modelName, { rows }))[0]?.version === 2);
    expect((await predictions(server, modelName, { rows })).map((p) => p.score)).toEqual(directScores(v2.layersModel, rows));
    expect((await server.app.inject({ url: `/v1/models/${modelName}` })).json()).toMatchObject({ loaded: [{ alias: 'production', version: 2 }] });

    // Version 3's model was never uploaded: the reload fails and version 2 keeps answering.
    const missing = versionEntry(modelName, 3, { bucket: BUCKETS.artifacts, key: `tests/serving/${modelName}/v3/absent.bin` }, v2.entry.transform);
    await writeRegistry(storage, modelName, [v1.entry, v2.entry, missing], { production: 3, previous: 2 });
    await eventually('the failed reload is reported', async () => {
      const { error } = (await server.app.inject({ url: `/v1/models/${modelName}` })).json<{ error: string | null }>();
      return error?.includes('version 3: cannot load model') ?? false;
    });
    expect((await predictions(server, modelName, { rows }))[0]?.version).toBe(2);
    const metrics = (await server.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain(`ctrain_serving_reloads_total{model="${modelName}",result="failure"}`);
    expect(metrics).toContain(`ctrain_serving_loaded_version{model="${modelName}",alias="production"} 2`);

    await server.close();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    [v1, v2].forEach(({ layersModel }) => layersModel.dispose());
  });

  it('routes canaryPercent of requests to the canary by request id, and says which version answered', async () => {
    const modelName = uniqueModel();
    const v1 = await publishVersion(storage, modelName, 1, transform);
    // The canary's own spec sets its share of traffic.
    const v2 = await publishVersion(storage, modelName, 2, transform, { canaryPercent: 50 });
    await writeRegistry(storage, modelName, [v1.entry, v2.entry], { production: 1, canary: 2 });
    const server = await serve({ models: [modelName] });
    const [row = {}] = flightRows(1);
    const expected = { 1: directScores(v1.layersModel, [row])[0], 2: directScores(v2.layersModel, [row])[0] };

    const answered = { production: 0, canary: 0 };
    for (let i = 0; i < 200; i++) {
      const [prediction] = await predictions(server, modelName, { row });
      if (!prediction) throw new Error('no prediction');
      answered[prediction.alias]++;
      expect([prediction.alias, prediction.score]).toEqual(prediction.version === 2 ? ['canary', expected[2]] : ['production', expected[1]]);
    }
    // Binomial(200, 0.5): outside 60..140 has probability below 1e-8.
    expect(answered.canary).toBeGreaterThan(60);
    expect(answered.production).toBeGreaterThan(60);

    // The same request id always gets the same version.
    for (const requestId of ['a', 'b', 'c', 'd']) {
      const versions = new Set<number>();
      for (let i = 0; i < 5; i++) versions.add((await predictions(server, modelName, { row }, { 'x-request-id': requestId }))[0]?.version ?? 0);
      expect(versions.size).toBe(1);
    }
    [v1, v2].forEach(({ layersModel }) => layersModel.dispose());
  });

  it('sends all traffic to production while the canary cannot be loaded', async () => {
    const modelName = uniqueModel();
    const v1 = await publishVersion(storage, modelName, 1, transform);
    v1.layersModel.dispose();
    const broken = versionEntry(modelName, 2, { bucket: BUCKETS.artifacts, key: `tests/serving/${modelName}/v2/absent.bin` }, v1.entry.transform, { canaryPercent: 100 });
    await writeRegistry(storage, modelName, [v1.entry, broken], { production: 1, canary: 2 });
    const server = await serve({ models: [modelName] });

    expect((await predictions(server, modelName, { rows: flightRows(3) })).map((p) => [p.version, p.alias])).toEqual([[1, 'production'], [1, 'production'], [1, 'production']]);
    expect((await server.app.inject({ url: `/v1/models/${modelName}` })).json()).toMatchObject({
      aliases: { production: 1, canary: 2 },
      loaded: [{ alias: 'production', version: 1 }],
      error: expect.stringMatching(/^version 2: cannot load model s3:\/\/ctrain-artifacts\/tests\/serving\/.*absent\.bin/) as unknown,
    });
    expect((await server.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  it('exposes Prometheus metrics for requests, latency, scores, reloads and loaded versions', async () => {
    const modelName = uniqueModel();
    const { entry, layersModel } = await publishVersion(storage, modelName, 1, transform);
    layersModel.dispose();
    await writeRegistry(storage, modelName, [entry], { production: 1 });
    const server = await serve({ models: [modelName] });
    for (let i = 0; i < 3; i++) await predictions(server, modelName, { rows: flightRows(2) });
    await post(server, `/v1/models/${modelName}/predict`, { row: {} });
    await post(server, '/v1/models/nope/predict', { row: {} });

    const reply = await server.app.inject({ url: '/metrics' });
    expect(reply.headers['content-type']).toMatch(/^text\/plain/);
    const text = reply.body;
    expect(text).toContain(`ctrain_serving_requests_total{model="${modelName}",version="1",alias="production",status="200"} 3`);
    expect(text).toContain(`ctrain_serving_requests_total{model="${modelName}",version="1",alias="production",status="400"} 1`);
    expect(text).toContain('ctrain_serving_requests_total{model="(unknown)",version="",alias="",status="404"} 1');
    expect(text).toContain(`ctrain_serving_request_duration_seconds_count{model="${modelName}",version="1",alias="production"} 4`);
    expect(text).toContain(`ctrain_serving_predictions_total{model="${modelName}",version="1",alias="production"} 6`);
    expect(text).toContain(`ctrain_serving_prediction_score_count{model="${modelName}",version="1"} 6`);
    expect(text).toContain(`ctrain_serving_reloads_total{model="${modelName}",result="success"} 1`);
    expect(text).toContain(`ctrain_serving_loaded_version{model="${modelName}",alias="production"} 1`);
    expect(text).toContain('ctrain_serving_log_pending_rows 6');
    expect(text).toContain('ctrain_serving_process_cpu_seconds_total');
  });

  it('writes sampled predictions and posted outcomes to MinIO as JSON Lines when it closes', async () => {
    const modelName = uniqueModel();
    const { entry, layersModel } = await publishVersion(storage, modelName, 1, transform);
    layersModel.dispose();
    await writeRegistry(storage, modelName, [entry], { production: 1 });
    const server = await serve({ models: [modelName], logSink: { flushRows: 1000, flushMs: 600_000 } });
    const rows = flightRows(4);
    const returned = [...(await predictions(server, modelName, { rows: rows.slice(0, 3) })), ...(await predictions(server, modelName, { row: rows[3] }))];

    const outcomes = returned.slice(0, 2).map(({ id }, i) => ({ id, label: i === 0 }));
    const accepted = await post(server, `/v1/models/${modelName}/outcomes`, { outcomes });
    expect([accepted.statusCode, accepted.json()]).toEqual([202, { accepted: 2 }]);
    expect((await post(server, `/v1/models/${modelName}/outcomes`, { outcomes: [{ id: 'x', label: 'yes' }] })).statusCode).toBe(400);
    expect((await readLog(storage, modelName, 'predictions')).keys).toEqual([]);

    await server.close();
    const logged = await readLog(storage, modelName, 'predictions');
    const day = new Date().toISOString().slice(0, 10);
    expect(logged.keys).toHaveLength(1);
    expect(logged.keys[0]).toMatch(new RegExp(`^${modelName}/predictions/${day}/\\d{8}T\\d{9}Z-[0-9a-f]{8}\\.jsonl$`));
    expect(logged.lines.map((line) => line.id)).toEqual(returned.map((p) => p.id));
    expect(logged.lines[3]).toEqual({ format: PREDICTION_LOG_FORMAT, id: returned[3]?.id, at: expect.any(String) as unknown, model: modelName, version: 1, alias: 'production', requestId: expect.any(String) as unknown, input: rows[3], score: returned[3]?.score, latencyMs: expect.any(Number) as unknown });
    const stored = await readLog(storage, modelName, 'outcomes');
    expect(stored.keys[0]).toMatch(new RegExp(`^${modelName}/outcomes/${day}/`));
    expect(stored.lines).toEqual(outcomes.map((outcome) => ({ format: PREDICTION_LOG_FORMAT, ...outcome, at: expect.any(String) as unknown, model: modelName })));
  });

  it('answers and logs a score that is no number as null, not a 500', async () => {
    const modelName = uniqueModel();
    const { entry, layersModel } = await publishVersion(storage, modelName, 1, transform);
    // A network whose output bias is NaN scores every row NaN (a diverged training would).
    const output = layersModel.layers.at(-1)!;
    const [kernel, bias] = output.getWeights();
    output.setWeights([kernel!, tf.fill(bias!.shape, Number.NaN)]);
    await storage.putBuffer(entry.modelArtifact, await exportNetwork(layersModel));
    layersModel.dispose();
    await writeRegistry(storage, modelName, [entry], { production: 1 });
    const server = await serve({ models: [modelName], logSink: { flushMs: 600_000 } });
    const answered = await predictions(server, modelName, { rows: flightRows(2) });
    expect(answered.map((p) => p.score)).toEqual([null, null]);
    await server.close();
    expect((await readLog(storage, modelName, 'predictions')).lines.map((line) => [line.id, line.score])).toEqual(answered.map((p) => [p.id, null]));
  });

  it("with models 'all', picks up a model whose registry appears after start", async () => {
    const modelName = uniqueModel();
    const server = await serve({ models: 'all' });
    const { entry, layersModel } = await publishVersion(storage, modelName, 1, transform);
    await writeRegistry(storage, modelName, [entry], { production: 1 });
    await eventually('the new model answers', async () => (await post(server, `/v1/models/${modelName}/predict`, { row: flightRows(1)[0] })).statusCode === 200);
    expect((await predictions(server, modelName, { rows: flightRows(2) })).map((p) => p.score)).toEqual(directScores(layersModel, flightRows(2)));
    layersModel.dispose();
  });
});
