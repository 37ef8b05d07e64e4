import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ModelVersion, Registry, RunRecord } from '../../contracts/model.js';
import { REGISTRY_FORMAT } from '../../contracts/model.js';
import { BUCKETS } from '../../contracts/stack.js';
import { createUiServer } from '../../ui/server.js';
import { ctrain } from '../support/ctrain-cli.js';
import { registryKeys, runKeys } from '../../storage/layout.js';
import { ObjectStore } from '../../storage/gateway.js';

const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
const modelName = `ui-${randomUUID().slice(0, 8)}`;
const reported = `${modelName}.train.20261201T100000000Z`;
const unreported = `${modelName}.train.20261201T110000000Z`;
const app = createUiServer({ storage, links: { webUi: 'http://webui.test/namespaces/default' } });
const env = { CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint, CTRAIN_MINIO_ACCESS_KEY: stack.minio.accessKey, CTRAIN_MINIO_SECRET_KEY: stack.minio.secretKey };

const version = (number: number, runId: string): ModelVersion => ({
  version: number,
  runId,
  pipeline: modelName,
  specHash: 'f'.repeat(64),
  datasetVersion: `d${number}`.padEnd(32, '0'),
  backend: 'wasm',
  hyperparameters: {},
  metrics: { auc: 0.7123456 },
  blessed: number === 1,
  blessingReason: number === 1 ? 'auc 0.712 ≥ 0.6' : 'auc below production by 0.02 <script>',
  modelArtifact: { bucket: BUCKETS.artifacts, key: 'm' },
  transform: { bucket: BUCKETS.artifacts, key: 't' },
  registeredBy: { workflowId: `model:${modelName}`, runId: 'r' },
  createdAt: '2026-12-01T10:05:00.000Z',
});
const run = (runId: string, status: RunRecord['status'], number: number): RunRecord => ({ runId, status, version: number, requests: [{ reason: 'first training', source: 'cli' }], startedAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T10:05:00.000Z' });
const registry: Registry = {
  modelName,
  versions: [version(1, reported), version(2, unreported)],
  aliases: { production: 1 },
  history: [],
  runs: [run(reported, 'registered', 1), run(unreported, 'not-blessed', 2)],
  paused: false,
  decisions: [],
};
const REPORT = '<!doctype html><html><body><h1>Run report</h1><svg></svg></body></html>';

beforeAll(async () => {
  await storage.putJson(registryKeys.registry(modelName), registry);
  await storage.putBuffer(runKeys.report(reported), Buffer.from(REPORT), 'text/html; charset=utf-8');
  await storage.putBuffer({ bucket: BUCKETS.artifacts, key: `drift/${modelName}/reports/20261201T120000000Z.html` }, Buffer.from('<!doctype html><p>drift page</p>'), 'text/html; charset=utf-8');
  await storage.putJson({ bucket: BUCKETS.artifacts, key: `drift/${modelName}/reports/20261201T120000000Z.json` }, { model: modelName });
});
afterAll(() => app.close());

describe('ctrain ui, over the real MinIO', () => {
  it('lists the model on its index page with its aliases', async () => {
    const response = await app.inject({ url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain(`<a href="/models/${modelName}">${modelName}</a>`);
    expect(response.body).toMatch(new RegExp(`${modelName}</a></td><td>production v1</td><td>2</td>`));
  });

  it('lists a registry it cannot read (a newer format) with the reason, beside the others', async () => {
    const newer = `ui-newer-${randomUUID().slice(0, 8)}`;
    await storage.putJson(registryKeys.registry(newer), { ...registry, model: newer, format: REGISTRY_FORMAT + 1 });
    const index = await app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain(`<a href="/models/${modelName}">${modelName}</a>`);
    expect(index.body).toContain(`<td>${newer}</td><td>unreadable: registry of &quot;${newer}&quot; has format ${REGISTRY_FORMAT + 1}`);
    const page = await app.inject({ url: `/models/${newer}` });
    expect([page.statusCode, page.json<{ error: string }>().error]).toEqual([422, 'unreadable_registry']);
  });

  it("lists a model's versions and runs, linking reports only where one exists, and escapes what it shows", async () => {
    const response = await app.inject({ url: `/models/${modelName}` });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(`href="/runs/${reported}/report"`);
    expect(response.body).not.toContain(`href="/runs/${unreported}/report"`);
    expect(response.body).toContain(`href="http://webui.test/namespaces/default/workflows/${reported}"`);
    expect(response.body).toContain('auc 0.7123');
    expect(response.body).toContain('&lt;script&gt;');
    expect(response.body).not.toContain('<script>');
    expect(response.body).toContain(`href="/models/${modelName}/drift/20261201T120000000Z"`);
  });

  it('serves a run report and a drift page from MinIO as they were written', async () => {
    const report = await app.inject({ url: `/runs/${reported}/report` });
    expect(report.statusCode).toBe(200);
    expect(report.body).toBe(REPORT);
    const drift = await app.inject({ url: `/models/${modelName}/drift/20261201T120000000Z` });
    expect(drift.body).toBe('<!doctype html><p>drift page</p>');
  });

  it('answers 404 for what is not there and 400 for names that break the naming rule', async () => {
    expect((await app.inject({ url: `/runs/${unreported}/report` })).json()).toEqual({ error: 'not_found', message: `run ${unreported} has no report (yet)` });
    expect((await app.inject({ url: '/models/no-such-model' })).statusCode).toBe(404);
    const bad = await app.inject({ url: '/models/..%2Fsecrets' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toContain('must be a lowercase slug');
    expect((await app.inject({ url: '/runs/a..b/report' })).statusCode).toBe(400);
  });
});

describe('ctrain report, through the real binary', () => {
  it("saves the report of a model's production version, and a run's by its id", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ctrain-report-'));
    const byModel = await ctrain(['report', modelName, '--json', '--output', join(dir, 'model.html')], env);
    expect(byModel.stderr).toBe('');
    expect(JSON.parse(byModel.stdout)).toEqual({ kind: 'run', name: reported, uri: `s3://ctrain-artifacts/runs/${reported}/report.html`, file: join(dir, 'model.html') });
    expect(await readFile(join(dir, 'model.html'), 'utf8')).toBe(REPORT);

    const byRun = await ctrain(['report', reported, '--output', join(dir, 'run.html')], env);
    expect(byRun.stdout).toContain(`saved to ${join(dir, 'run.html')}`);
    const drift = await ctrain(['report', modelName, '--drift', '--json', '--output', join(dir, 'drift.html')], env);
    expect(JSON.parse(drift.stdout)).toMatchObject({ kind: 'drift', name: '20261201T120000000Z' });
  });

  it('fails with one line naming what it looked for when there is no report', async () => {
    const missing = await ctrain(['report', unreported], env);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain(`no report at s3://ctrain-artifacts/runs/${unreported}/report.html`);
  });
});
