import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Registry } from '../../contracts/model.js';
import { driftScheduleId } from '../../contracts/schedules.js';
import { formatNumber } from '../../format/numbers.js';
import type { DriftReport } from '../../drift/report.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { registerPipeline } from '../../pipelines/index.js';
import seattleTemperature from '../../pipelines/seattle-temperature.js';
import type { ModelServer } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { PROJECT_ROOT } from '../../stack/paths.js';
import { driftCheckWorkflow } from '../../workflows/index.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';

const stack = inject('stack');
const modelName = `drift-${randomUUID().slice(0, 8)}`;
registerPipeline({
  ...seattleTemperature,
  name: modelName,
  training: { ...seattleTemperature.training, epochs: 15 },
  deploy: { ...seattleTemperature.deploy, soak: '1 second' },
  drift: { ...seattleTemperature.drift, minRows: 100, debounce: '1 second', cooldown: '1 second' },
});

type Day = { date: string; precipitation: number; temp_min: number; wind: number; weather: string; temp_max: number };
/** The test split's days (the last 20% by date): the drift reference was built from exactly these. */
const days: Day[] = readFileSync(join(PROJECT_ROOT, 'node_modules/vega-datasets/data/seattle-weather.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [date, precipitation, temp_max, temp_min, wind, weather] = line.split(',');
    return { date: date!, precipitation: Number(precipitation), temp_max: Number(temp_max), temp_min: Number(temp_min), wind: Number(wind), weather: weather! };
  })
  .slice(-292);

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
let server: ModelServer;

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
  const { runId } = await requestRun(temporal.client, modelName, { reason: 'first training', source: 'cli' }, workers);
  await waitForRun(temporal.client, modelName, runId);
  server = await createModelServer({ storage: new ObjectStore(stack.minio), models: [modelName], pollMs: 200, logger: false, logSink: { flushMs: 200 }, feedbackOpen: true });
  while ((await server.app.inject({ url: '/readyz' })).statusCode !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
});
afterAll(async () => {
  await server?.close();
  await workers.stop();
  await temporal.close();
});

/** Sends days through the model server as live traffic; returns each prediction's id and score. */
async function traffic(rows: Day[]): Promise<{ id: string; score: number; version: number }[]> {
  const inputs = rows.map(({ temp_max: _label, ...input }) => input);
  const response = await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/predict`, payload: { rows: inputs } });
  expect(response.statusCode).toBe(200);
  await server.predictionLog.flush();
  return response.json<{ predictions: { id: string; score: number; version: number }[] }>().predictions;
}

const check = () => temporal.client.workflow.execute(driftCheckWorkflow, { taskQueue: workers.taskQueue, workflowId: `drift-check-${randomUUID()}`, args: [{ modelName }] });

async function until(done: (registry: Registry) => boolean): Promise<Registry> {
  for (;;) {
    const registry = await readRegistry(temporal.client, modelName);
    if (done(registry)) return registry;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The spec's one-second cooldown after the last run must be over, or the signal is (rightly) ignored. */
const pastCooldown = () => until((r) => r.lastRunFinishedAt !== undefined && Date.now() > Date.parse(r.lastRunFinishedAt) + 1_000);

const finishedRuns = (registry: Registry) => registry.runs.filter((run) => run.finishedAt).length;

describe.sequential('drift detection and automatic retraining', () => {
  it('schedules a drift check for the deployed model', async () => {
    const description = await temporal.client.schedule.getHandle(driftScheduleId(modelName)).describe();
    expect(description.action.type).toBe('startWorkflow');
    expect(description.spec.intervals?.[0]?.every).toBe(300_000);
  });

  it('finds no drift in traffic like the training data, and starts no run', async () => {
    await traffic(days);
    const result = await check();

    expect(result.verdict).toBe('no-drift');
    expect(result.rows).toBe(days.length);
    expect(result.signalled).toBe(false);
    expect((await readRegistry(temporal.client, modelName)).runs).toHaveLength(1);
  });

  it('says so when there are too few rows to judge', async () => {
    await traffic(days.slice(0, 10));
    const result = await check();
    expect(result.verdict).toBe('insufficient-data');
    expect(result.reason).toMatch(/Insufficient data: 10 logged rows/);
    expect(result.signalled).toBe(false);
    const page = (await new ObjectStore(stack.minio).getBuffer(result.reportHtml!)).toString('utf8');
    expect(page).toContain('<dt>Verdict</dt><dd>insufficient-data</dd>');
    expect(page).not.toContain('<svg');
  });

  it('detects drifted traffic and starts exactly one retraining run', async () => {
    await pastCooldown();
    // Ten rows left over from the insufficient check count too; the shift dominates.
    await traffic(days.map((day) => ({ ...day, temp_min: day.temp_min + 12, precipitation: day.precipitation * 4 + 5, weather: 'snow' })));
    const result = await check();

    expect(result.verdict).toBe('drift');
    expect(result.driftedFeatures).toEqual(expect.arrayContaining(['temp_min', 'precipitation']));
    expect(result.signalled).toBe(true);
    // The HTML page lies beside the JSON report, with a chart per feature and the drifted ones marked.
    expect(result.reportHtml).toEqual({ bucket: result.report!.bucket, key: result.report!.key.replace(/\.json$/, '.html') });
    const storage = new ObjectStore(stack.minio);
    const page = (await storage.getBuffer(result.reportHtml!)).toString('utf8');
    const { drift } = (await storage.getJson<{ drift: DriftReport }>(result.report!))!;
    const psiOf = (name: string) => formatNumber(drift.features.find((feature) => feature.name === name)!.psi);
    expect(page).toContain(`<figcaption>temp_min (numeric): drifted, PSI ${psiOf('temp_min')}</figcaption><svg`);
    const weather = page.split(`<figcaption>weather (categorical): drifted, PSI ${psiOf('weather')}</figcaption>`)[1]?.split('</svg>')[0] ?? '';
    for (const category of ['sun', 'rain', '(unseen)', '(missing)']) expect(weather).toContain(`>${category}</text>`);
    const registry = await until((r) => finishedRuns(r) === 2);
    expect(registry.runs[1]!.requests.map((request) => request.source)).toEqual(['drift']);
    expect(registry.decisions.at(-1)?.decision).toBe('scheduled');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await readRegistry(temporal.client, modelName)).runs).toHaveLength(2);
  });

  it('retrains when fed-back outcomes show the metric decaying, though the features did not shift', async () => {
    await until((r) => r.aliases.canary === undefined);
    await pastCooldown();
    const predictions = await traffic(days);
    // The world changed: every day is 15 °C warmer than the model thinks.
    const outcomes = predictions.map((prediction) => ({ id: prediction.id, label: prediction.score + 15 }));
    expect((await server.app.inject({ method: 'POST', url: `/v1/models/${modelName}/feedback`, payload: { outcomes } })).statusCode).toBe(202);
    await server.predictionLog.flush();
    const result = await check();

    expect(result.verdict).toBe('no-drift');
    expect(result.performance?.verdict).toBe('drift');
    expect(result.performance?.value).toBeGreaterThan(14);
    expect(result.signalled).toBe(true);
    const registry = await until((r) => finishedRuns(r) === 3);
    expect(registry.runs[2]!.requests[0]!.reason).toMatch(/rmse/);
  });
});
