/**
 * A registered version describes itself: a model server process that ships no spec of the model
 * (its name is no pipeline of this code) routes, pseudonymises and logs it by the spec the
 * registry stores with each version, not by anything in its own code.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { pipelineNames } from '../../pipelines/index.js';
import { PROJECT_ROOT } from '../../stack/paths.js';
import { importGraph } from '../support/import-graph.js';
import { selectBackend } from '../../model/index.js';
import { pseudonymize, pseudonymKey } from '../../privacy/pseudonym.js';
import { ObjectStore } from '../../storage/gateway.js';
import { startServingChild } from '../support/serving-child-process.js';
import { directScores, fittedTransform, flightRows, publishVersion, readLog, writeRegistry } from '../support/serving-fixtures.js';
import { expectSameScores } from '../support/native-backend.js';

const stack = inject('stack');
const KEY = 'registry-only-test-pseudonym-key';

interface Prediction {
  id: string;
  version: number;
  alias: string;
  score: number;
}

describe('a model server with no spec of the model it serves', () => {
  it('has no pipeline spec in its code path: the server process imports nothing from pipelines/', () => {
    const graph = importGraph(PROJECT_ROOT);
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const next of graph.get(file) ?? []) visit(next);
    };
    visit('test/support/serving-child.ts');
    expect(reached).toContain('serving/server.ts');
    expect(reached).toContain('contracts/version-spec.ts');
    expect([...reached].filter((file) => file.startsWith('pipelines/'))).toEqual([]);
  });

  it('canaries and pseudonymises each version as the spec stored with it says', async () => {
    const storage = new ObjectStore(stack.minio);
    await selectBackend();
    const modelName = `registry-only-${randomUUID().slice(0, 8)}`;
    expect(pipelineNames()).not.toContain(modelName);
    const transform = fittedTransform();
    // Production hashes nothing; the canary was trained on hashed carriers and takes every request.
    const v1 = await publishVersion(storage, modelName, 1, transform, { canaryPercent: 10 });
    const v2 = await publishVersion(storage, modelName, 2, transform, { canaryPercent: 100, personal: ['carrier'] });
    await writeRegistry(storage, modelName, [v1.entry, v2.entry], { production: 1, canary: 2 });

    const { child, url } = await startServingChild(modelName, stack.minio, { CTRAIN_PSEUDONYM_KEY: KEY });
    try {
      const rows = flightRows(12);
      const predictions: Prediction[] = [];
      for (const row of rows) {
        const reply = await fetch(`${url}/v1/models/${modelName}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ row }) });
        expect(reply.status).toBe(200);
        predictions.push(...((await reply.json()) as { predictions: Prediction[] }).predictions);
      }

      // canaryPercent 100 comes from v2's stored spec: no default of the server's sends every request there.
      expect(predictions.map((p) => [p.version, p.alias])).toEqual(rows.map(() => [2, 'canary']));
      // The canary scored the carrier's keyed hash, as its training data held it.
      const key = pseudonymKey(KEY);
      const hashed = rows.map((row) => ({ ...row, carrier: pseudonymize(row.carrier, key) }));
      expectSameScores(predictions.map((p) => p.score), directScores(v2.layersModel, transform, hashed));
      expect(predictions.map((p) => p.score)).not.toEqual(directScores(v2.layersModel, transform, rows));

      child.kill('SIGTERM');
      const result = await child;
      expect(result.exitCode, result.stderr).toBe(0);
      const { lines } = await readLog(storage, modelName, 'predictions');
      expect(lines.map((line) => (line.input as { carrier: unknown }).carrier)).toEqual(hashed.map((row) => row.carrier));
    } finally {
      child.kill('SIGKILL');
      [v1, v2].forEach(({ layersModel }) => layersModel.dispose());
    }
  });
});
