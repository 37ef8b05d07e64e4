/**
 * The model server under concurrent load over real HTTP, checked for what it answers, not how
 * fast: requests are scored together in micro-batches, every answer equals the offline score of
 * its row by the version that answered, the canary takes its share, a reload in the middle of the
 * load loses nothing, and after a clean stop the prediction log holds one line per prediction.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FeatureTransform } from '../../features/feature-transform.js';
import { selectBackend } from '../../model/index.js';
import type { ModelServer } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { ObjectStore } from '../../storage/gateway.js';
import { directScores, eventually, fittedTransform, flightRows, publishVersion, readLog, writeRegistry } from '../support/serving-fixtures.js';

const stack = inject('stack');
let storage: ObjectStore;
let transform: FeatureTransform;
const servers: ModelServer[] = [];

beforeAll(async () => {
  storage = new ObjectStore(stack.minio);
  await selectBackend();
  transform = fittedTransform();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Answer {
  predictions: { id: string; version: number; alias: 'production' | 'canary'; score: number }[];
}

const CALLERS = 32;
const POOL = flightRows(64);

/** Which rows of the pool request `n` posts: mostly one, every fifth seven. */
const rowsOf = (n: number): number[] => Array.from({ length: n % 5 === 0 ? 7 : 1 }, (_, k) => (n * 13 + k * 5) % POOL.length);

describe('the model server under load', () => {
  it('answers every row as scored offline, by the version that answered, keeps the canary share, and logs each prediction once', async () => {
    const modelName = `serving-load-${randomUUID()}`;
    const v1 = await publishVersion(storage, modelName, 1, transform);
    const v2 = await publishVersion(storage, modelName, 2, transform, { canaryPercent: 30 });
    await writeRegistry(storage, modelName, [v1.entry, v2.entry], { production: 1, canary: 2 });
    const server = await createModelServer({ storage, models: [modelName], pollMs: 100, rateLimit: false, logSink: { flushRows: 500, flushMs: 600_000 } });
    servers.push(server);
    // Offline, on the backend the server chose, the whole pool in one call.
    const expected: Record<number, number[]> = { 1: directScores(v1.layersModel, transform, POOL), 2: directScores(v2.layersModel, transform, POOL) };
    [v1, v2].forEach(({ layersModel }) => layersModel.dispose());
    const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `${base}/v1/models/${modelName}/predict`;

    const answered = new Map<string, number>();
    const tally = { production: 0, canary: 0, rows: 0 };
    /** Sends requests first..last-1 from CALLERS callers at once, checking every answer against the offline scores. */
    const load = async (first: number, last: number, canaryAllowed: boolean): Promise<void> => {
      let next = first;
      const caller = async (): Promise<void> => {
        for (let n = next++; n < last; n = next++) {
          const rows = rowsOf(n);
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rows.length === 1 ? { row: POOL[rows[0]!] } : { rows: rows.map((i) => POOL[i]) }) });
          const body = (await response.json()) as Answer;
          expect(response.status, JSON.stringify(body)).toBe(200);
          expect(body.predictions).toHaveLength(rows.length);
          // A request is answered by one version; each of its rows scores as that version scores it offline.
          expect(new Set(body.predictions.map((p) => p.version)).size).toBe(1);
          body.predictions.forEach((prediction, k) => {
            expect(prediction.score, `request ${n} row ${k} (v${prediction.version})`).toBe(expected[prediction.version]![rows[k]!]);
            answered.set(prediction.id, prediction.score);
          });
          if (!canaryAllowed) expect(body.predictions[0]!.alias).toBe('production');
          tally[body.predictions[0]!.alias]++;
          tally.rows += rows.length;
        }
      };
      await Promise.all(Array.from({ length: CALLERS }, caller));
    };

    await load(0, 1500, true);
    // Binomial(1500, 0.3): 450 expected, deviation 17.7; outside 350..550 has probability below 1e-8.
    expect(tally.canary).toBeGreaterThan(350);
    expect(tally.canary).toBeLessThan(550);

    // Concurrent callers share network calls: fewer calls than requests, and every row in exactly one.
    const metrics = (await server.app.inject({ url: '/metrics' })).body;
    const calls = Number(new RegExp(`ctrain_serving_batch_rows_count\\{model="${modelName}"\\} (\\d+)`).exec(metrics)?.[1]);
    const batchedRows = Number(new RegExp(`ctrain_serving_batch_rows_sum\\{model="${modelName}"\\} (\\d+)`).exec(metrics)?.[1]);
    expect(batchedRows).toBe(tally.rows);
    expect(calls).toBeLessThan(1500);

    // v2 becomes production under load: requests queued for a version being freed are still answered by it.
    await writeRegistry(storage, modelName, [v1.entry, v2.entry], { production: 2, previous: 1 });
    await Promise.all([load(1500, 2500, true), eventually('v2 serves alone', () => Promise.resolve(server.models.get(modelName)?.state?.canary === undefined && server.models.get(modelName)?.state?.production?.version === 2))]);
    await load(2500, 3000, false);

    await server.close();
    const logged = await readLog(storage, modelName, 'predictions');
    expect(logged.lines).toHaveLength(answered.size);
    expect(answered.size).toBe(tally.rows);
    for (const line of logged.lines) expect(line.score).toBe(answered.get(line.id as string));
    expect(server.predictionLog.stats()).toMatchObject({ pendingRows: 0, droppedRows: 0, writtenRows: answered.size });
  });

  it('scores the rows queued for a version before a reload frees it, with that version', async () => {
    const modelName = `serving-retire-${randomUUID()}`;
    const v1 = await publishVersion(storage, modelName, 1, transform);
    const v2 = await publishVersion(storage, modelName, 2, transform);
    await writeRegistry(storage, modelName, [v1.entry, v2.entry], { production: 1 });
    // Batches wait 10 s for more rows, and the registry is read again only when asked: the reload comes while rows are queued.
    const server = await createModelServer({ storage, models: [modelName], pollMs: 600_000, rateLimit: false, batching: { waitMs: 10_000, maxRows: 1000 } });
    servers.push(server);
    const rows = POOL.slice(0, 3);
    const expected = directScores(v1.layersModel, transform, rows);
    [v1, v2].forEach(({ layersModel }) => layersModel.dispose());
    const answers = rows.map((row) => server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/predict`, payload: { row } }));
    await new Promise((resolve) => setTimeout(resolve, 500));

    await writeRegistry(storage, modelName, [v1.entry, v2.entry], { production: 2, previous: 1 });
    await server.models.get(modelName)!.poll();
    expect(server.models.get(modelName)?.state?.production?.version).toBe(2);
    // Answered by v1 as it was freed, long before the batch's 10 s were up.
    const replies = await Promise.all(answers);
    expect(replies.map((reply) => [reply.statusCode, reply.json<Answer>().predictions[0]?.version, reply.json<Answer>().predictions[0]?.score])).toEqual(expected.map((score) => [200, 1, score]));
  });
});
