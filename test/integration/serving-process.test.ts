import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { startServingChild } from '../support/serving-child-process.js';
import { fittedTransform, flightRows, publishVersion, readLog, writeRegistry } from '../support/serving-fixtures.js';
import { selectBackend } from '../../model/index.js';
import { ObjectStore } from '../../storage/gateway.js';

const stack = inject('stack');

describe('runModelServer', () => {
  it('listens on loopback, answers over HTTP, and on SIGTERM exits 0 after flushing the prediction log', async () => {
    const storage = new ObjectStore(stack.minio);
    await selectBackend();
    const modelName = `serving-test-${randomUUID()}`;
    const { entry, layersModel } = await publishVersion(storage, modelName, 1, fittedTransform());
    layersModel.dispose();
    await writeRegistry(storage, modelName, [entry], { production: 1 });

    const { child, url } = await startServingChild(modelName, stack.minio);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const reply = await fetch(`${url}/v1/models/${modelName}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: flightRows(2) }) });
      expect(reply.status).toBe(200);
      const { predictions } = (await reply.json()) as { predictions: { id: string }[] };
      expect((await fetch(`${url}/readyz`)).status).toBe(200);

      child.kill('SIGTERM');
      const result = await child;
      expect(result.exitCode, result.stderr).toBe(0);
      expect((await readLog(storage, modelName, 'predictions')).lines.map((line) => line.id)).toEqual(predictions.map((p) => p.id));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
