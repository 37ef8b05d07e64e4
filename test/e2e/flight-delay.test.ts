import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RetrainRequest } from '../../contracts/model.js';
import type { PipelineRunResult } from '../../contracts/pipeline-run.js';
import type { BinaryCurves } from '../../model/curves.js';
import type { EvaluationRecord } from '../../model/evaluation-record.js';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import type { ModelServer } from '../../serving/server.js';
import { createModelServer } from '../../serving/server.js';
import { PROJECT_ROOT } from '../../stack/paths.js';
import type { TableRow } from '../../tabular/index.js';
import { readRows } from '../../tabular/index.js';
import { readRunReport, shown } from '../support/run-report.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';

const stack = inject('stack');
const MODEL = 'flight-delay';
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
let server: ModelServer;
/**
 * Real flights the model never trained on: the 600 rows right after the spec's 150,000. Enough
 * that a random half-and-half split moves the canary's live error by little (standard error ≈ 0.025).
 */
let liveRows: TableRow[];

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
  liveRows = [];
  for await (const row of readRows(join(PROJECT_ROOT, 'node_modules/vega-datasets/data/flights-3m.parquet'), 'parquet', { limit: 150_600 })) liveRows.push(row);
  liveRows = liveRows.slice(150_000);
});
afterAll(async () => {
  await server?.close();
  await workers.stop();
  await temporal.close();
});

async function train(request: Omit<RetrainRequest, 'source'>) {
  const { runId } = await requestRun(temporal.client, MODEL, { source: 'cli', ...request }, workers);
  return waitForRun(temporal.client, MODEL, runId);
}

const input = ({ date, distance, origin, destination }: TableRow) => ({ date, distance, origin, destination });
const late = (row: TableRow): number => Number((row.delay as number) > 15);

async function predict(app: FastifyInstance, row: TableRow): Promise<{ id: string; version: number; alias: string; score: number }> {
  const response = await app.inject({ method: 'POST', url: `/v1/models/${MODEL}/predict`, payload: { row: input(row) } });
  expect(response.statusCode).toBe(200);
  return response.json<{ predictions: { id: string; version: number; alias: string; score: number }[] }>().predictions[0]!;
}

/**
 * Waits until the server has loaded a canary (or, with `none`, until it has none). With the run
 * that should deploy it, a run that ends first fails the wait with its status and reason.
 */
async function untilCanary(app: FastifyInstance, want: 'loaded' | 'none', run?: ReturnType<typeof train>): Promise<void> {
  let ended: string | undefined;
  void run?.then(({ run: { status, error }, registry }) => (ended = `${status}: ${error ?? registry.versions.at(-1)?.blessingReason ?? registry.versions.at(-1)?.deployment?.reason ?? ''}`));
  for (;;) {
    const { aliases } = (await app.inject({ url: `/v1/models/${MODEL}` })).json<{ aliases: { canary?: number } }>();
    if ((want === 'loaded') === (aliases.canary !== undefined)) return;
    if (ended !== undefined) throw new Error(`the run ended before the server had ${want === 'loaded' ? 'a canary' : 'none'}: ${ended}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Live traffic during a soak; `outcome` decides the label posted back for each prediction. */
async function sendTraffic(app: FastifyInstance, outcome: (row: TableRow, prediction: { alias: string; score: number }) => number): Promise<Set<string>> {
  const aliases = new Set<string>();
  const outcomes: { id: string; label: number }[] = [];
  for (const row of liveRows) {
    const prediction = await predict(app, row);
    aliases.add(prediction.alias);
    outcomes.push({ id: prediction.id, label: outcome(row, prediction) });
  }
  expect((await app.inject({ method: 'POST', url: `/v1/models/${MODEL}/outcomes`, payload: { outcomes } })).statusCode).toBe(202);
  await server.predictionLog.flush();
  return aliases;
}

// The soak leaves ample time to send and flush the test's traffic, even on a loaded machine.
const CANARY_RUN = { evaluation: { maxRegression: 1 }, deploy: { soak: '20 seconds', canaryPercent: 50 } };

describe.sequential('the flight-delay classifier, end to end with the model server', () => {
  // Training 150,000 rows on a loaded two-core machine can take minutes.
  it('trains on 150,000 real flights, registers one version and serves it', { timeout: 300_000 }, async () => {
    const { run, registry } = await train({ reason: 'first training' });
    expect(run.status).toBe('registered');
    expect(registry.versions).toHaveLength(1);
    expect(registry.aliases.production).toBe(1);
    expect(registry.versions[0]!.metrics.auc).toBeGreaterThan(0.6);

    server = await createModelServer({ storage: new ObjectStore(stack.minio), models: [MODEL], pollMs: 200, logger: false, feedbackOpen: true });
    const prediction = await predict(server.app, liveRows[0]!);
    expect(prediction.version).toBe(1);
    expect(prediction.score).toBeGreaterThan(0);
    expect(prediction.score).toBeLessThan(1);

    // The run's report: per-epoch losses with the best epoch, and the candidate's binary curves.
    const storage = new ObjectStore(stack.minio);
    const { train: trained, evaluate } = (await temporal.client.workflow.getHandle(run.runId).result()) as PipelineRunResult;
    expect(trained.history?.map((log) => log.epoch)).toEqual(Array.from({ length: trained.epochsRun }, (_, i) => i + 1));
    // Early stopping watches the validation loss: the best epoch has the lowest.
    expect(trained.history!.reduce((best, log) => (log.valLoss! < best.valLoss! ? log : best)).epoch).toBe(trained.bestEpoch);
    const record = (await storage.getJson<EvaluationRecord>(evaluate.evaluation))!;
    expect(record.curves?.kind).toBe('binary');
    const curves = record.curves as BinaryCurves;
    // The trapezoids under the stored ROC curve give the rank AUC the registry holds.
    expect(curves.roc!.auc).toBeCloseTo(registry.versions[0]!.metrics.auc!, 6);
    expect(curves.roc!.points.length).toBeLessThanOrEqual(200);
    expect(curves.confusion.tp + curves.confusion.fp + curves.confusion.fn + curves.confusion.tn).toBe(registry.versions[0]!.metrics.rows);
    // The trivial baseline, the training split's late rate for every flight, on the same test rows.
    const { baseline } = evaluate;
    expect(baseline?.predictor).toMatch(/^prior rate 0\.2\d*, always negative at threshold 0\.5$/);
    expect(baseline?.metrics.auc).toBe(0.5);
    expect(baseline?.metrics.accuracy).toBeCloseTo(1 - evaluate.metrics.positives! / evaluate.metrics.rows!, 12);
    expect(registry.versions[0]!.baseline).toEqual(baseline);
    expect(record.baseline).toEqual(baseline);
    // The model earns its place on the figures that rank and price risk, not only on its gate.
    expect(evaluate.metrics.auc).toBeGreaterThan(baseline!.metrics.auc! + 0.1);
    expect(evaluate.metrics.logLoss).toBeLessThan(baseline!.metrics.logLoss!);
    expect(evaluate.metrics.brier).toBeLessThan(baseline!.metrics.brier!);
    const report = await readRunReport(temporal.client, storage, run.runId, MODEL);
    expect(report.html).toContain('<th>Baseline</th><th>Candidate − baseline</th>');
    expect(report.html).toContain(`<dt>Baseline auc</dt><dd>0.5 (${baseline!.predictor})</dd>`);
    expect(report.charts).toEqual(expect.arrayContaining(['Loss per epoch', `ROC curve (AUC candidate ${shown(curves.roc!.auc)})`, 'Calibration (reliability)', 'Confusion matrix of the candidate at threshold 0.5']));
    expect(report.html).toContain(`best epoch ${trained.bestEpoch}`);
    expect(report.html).toContain(`At threshold 0.5: ${curves.confusion.tp} true positives, ${curves.confusion.fp} false positives`);
  });

  it('rolls a canary back when it does worse than production on live outcomes', async () => {
    const pending = train({ reason: 'new seed', overrides: { ...CANARY_RUN, training: { seed: 99 } } });
    await untilCanary(server.app, 'loaded', pending);
    // Outcomes that prove the canary wrong every time and production right every time.
    const aliases = await sendTraffic(server.app, (_row, p) => (p.alias === 'canary' ? Number(p.score < 0.5) : Number(p.score >= 0.5)));
    const { run, registry } = await pending;

    expect(aliases).toEqual(new Set(['production', 'canary']));
    expect(run.status).toBe('rolled-back');
    expect(registry.aliases).toEqual({ production: 1 });
    const candidate = registry.versions.find((version) => version.version === run.version)!;
    expect(candidate.deployment?.promote).toBe(false);
    expect(candidate.deployment?.reason).toMatch(/live error/);
    expect(candidate.deployment!.canary.outcomes + candidate.deployment!.production.outcomes).toBe(liveRows.length);
    await untilCanary(server.app, 'none');
  });

  it('promotes a canary that holds up on real outcomes; the server then answers with it', async () => {
    const pending = train({ reason: 'another seed', overrides: { ...CANARY_RUN, training: { seed: 100 } } });
    await untilCanary(server.app, 'loaded', pending);
    await sendTraffic(server.app, (row) => late(row));
    const { run, registry } = await pending;
    const candidate = registry.versions.find((version) => version.version === run.version);

    expect(run.status, candidate?.deployment?.reason).toBe('registered');
    expect(registry.aliases).toEqual({ production: run.version, previous: 1 });
    expect(candidate?.deployment?.promote).toBe(true);
    await untilCanary(server.app, 'none');
    expect((await predict(server.app, liveRows[1]!)).version).toBe(run.version);
    expect((await readRegistry(temporal.client, MODEL)).history.map((change) => change.alias)).toContain('previous');
  });
});
