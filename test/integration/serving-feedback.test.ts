import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { selectBackend } from '../../model/index.js';
import type { ModelServer } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { fittedTransform, flightRows, publishVersion, readLog, writeRegistry } from '../support/serving-fixtures.js';
import { ObjectStore } from '../../storage/gateway.js';

const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
let server: ModelServer | undefined;

afterAll(async () => {
  await server?.close();
});

describe('the feedback loop on the model server', () => {
  it('takes outcomes for earlier predictions by id, only with a valid bearer token when tokens are configured', async () => {
    await selectBackend();
    const modelName = `feedback-test-${randomUUID()}`;
    const { entry } = await publishVersion(storage, modelName, 1, fittedTransform());
    await writeRegistry(storage, modelName, [entry], { production: 1 });
    server = await createModelServer({ storage, models: [modelName], pollMs: 100, logger: false, feedbackTokens: ['s3cret'] });

    const predicted = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/predict`, payload: { rows: flightRows(3) } });
    const ids = predicted.json<{ predictions: { id: string }[] }>().predictions.map((p) => p.id);
    const outcomes = ids.map((id, i) => ({ id, label: i % 2 }));

    const anonymous = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/feedback`, payload: { outcomes } });
    const wrong = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/feedback`, headers: { authorization: 'Bearer nope' }, payload: { outcomes } });
    const single = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/feedback`, headers: { authorization: 'Bearer s3cret' }, payload: { outcomes: outcomes.slice(0, 1) } });
    const batch = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/feedback`, headers: { authorization: 'Bearer s3cret' }, payload: { outcomes: outcomes.slice(1) } });

    expect([anonymous.statusCode, wrong.statusCode]).toEqual([401, 401]);
    expect([single.statusCode, batch.statusCode]).toEqual([202, 202]);
    await server.close();
    server = undefined;
    const stored = await readLog(storage, modelName, 'outcomes');
    expect(stored.lines.map((line) => line.id)).toEqual(ids);
  });
});
