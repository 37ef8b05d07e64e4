import { join } from 'node:path';
import type { Command } from 'commander';
import type { PipelineRunResult } from '../contracts/pipeline-run.js';
import { configFromEnv } from '../infra/config.js';
import { requestRun, waitForRun } from '../clients/model-client.js';
import { installWorkerRuntime } from '../infra/temporal.js';
import { connectWorkers, temporalOptionsFromEnv } from '../infra/temporal-connection.js';
import { WORKER_SERVICE_NAME } from '../infra/tracing.js';
import { loadPipeline } from '../pipelines/index.js';
import { shippedSpecs } from '../pipelines/format-one-specs.js';
import { runModelServer } from '../serving/main.js';
import { devLayout } from '../stack/dev-stack.js';
import { startStack, stackUrls } from '../stack/local-stack.js';
import { PROJECT_ROOT } from '../stack/paths.js';
import { assertPortFree } from '../stack/ports.js';
import { provision } from '../stack/provision.js';
import type { TableRow } from '../tabular/index.js';
import { readRows } from '../tabular/index.js';
import { createDependencies } from '../workers/dependencies.js';
import { createGeneralWorker } from '../workers/general.js';
import { createTrainerWorker } from '../workers/trainer.js';
import { withClient } from './connect.js';
import { LIVE_MODEL, runDriftStory } from './demo-drift-story.js';
import { describeRun } from './run.js';

const MODEL = 'flight-delay';
const LIVE_ROWS = 200;

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the continuous-training demo: stack, workers and model server; train flight-delay on real flights, deploy it, send it real rows')
    .option('--serve', 'keep the workers and the model server running after the demo, until Ctrl-C')
    .action(runDemo);
}

async function runDemo(options: { serve?: boolean }): Promise<void> {
  const started = Date.now();
  const layout = devLayout();
  const urls = stackUrls((await startStack(layout, await provision())).ports);
  const env = { ...process.env, CTRAIN_TEMPORAL_ADDRESS: urls.temporalAddress, CTRAIN_MINIO_ENDPOINT: urls.minioEndpoint };
  Object.assign(process.env, env);
  const config = configFromEnv(env);
  const servePort = Number(process.env.CTRAIN_SERVE_PORT || 8080);
  await assertPortFree(servePort, 'model server', 'CTRAIN_SERVE_PORT');
  console.log(`ctrain demo: stack up — Web UI ${urls.webUi}, MinIO ${urls.minioEndpoint}`);

  installWorkerRuntime();
  const temporal = await temporalOptionsFromEnv(env, config.temporal, WORKER_SERVICE_NAME);
  const { tracing } = temporal;
  const connection = await connectWorkers(temporal);
  const deps = await createDependencies(config, undefined, temporal);
  const base = { connection, namespace: temporal.namespace, dataConverter: temporal.dataConverter, tracing, deps };
  const workers = [await createGeneralWorker(base), await createTrainerWorker(base)];
  const running = Promise.all(workers.map((worker) => worker.run()));
  const spec = loadPipeline(MODEL);
  // Each version's canary share and personal columns come from the spec stored with it in the registry.
  const server = await runModelServer({
    port: servePort,
    models: [MODEL, LIVE_MODEL],
    formatOneSpecs: shippedSpecs,
    logLevel: 'warn',
    pollMs: 500,
    // The demo's own server on loopback, which the demo posts outcomes to itself.
    feedbackOpen: true,
  });
  const untilLoaded = (modelName: string, alias: 'production' | 'canary', version: number) => untilServing(server.url, modelName, alias, version);
  console.log(`ctrain demo: workers on ${workers.map((w) => w.options.taskQueue).join(', ')}; model server on ${server.url}`);

  try {
    await withClient(async (client) => {
      console.log(`ctrain demo: training ${MODEL} on ${spec.source.limit ?? 'all'} rows of ${spec.source.uri} …`);
      const { runId } = await requestRun(client, MODEL, { reason: 'npm run demo', source: 'cli' });
      const { run, registry } = await waitForRun(client, MODEL, runId);
      const result = run.status === 'failed' ? undefined : ((await client.workflow.getHandle(runId).result()) as PipelineRunResult);
      console.log(describeRun(run, result).join('\n'));
      if (!registry.aliases.production) throw new Error(`no production version of ${MODEL}: ${run.error ?? run.status}`);

      await untilLoaded(MODEL, 'production', registry.aliases.production);
      const scored = await sendLiveRows(server.url);
      console.log(`\nctrain demo: summary (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      console.log(`  dataset version   ${result?.datasetVersion ?? '-'}`);
      console.log(`  metrics (test)    ${result ? Object.entries(result.evaluate.metrics).filter(([n]) => ['auc', 'accuracy', 'logLoss'].includes(n)).map(([n, v]) => `${n}=${v.toFixed(4)}`).join(' ') : '-'}`);
      console.log(`  backend           ${result?.train.backend ?? '-'}`);
      console.log(`  registry          ${MODEL} v${run.version} (production v${registry.aliases.production}); s3://ctrain-registry/${MODEL}/registry.json`);
      console.log(`  serving           ${server.url}/v1/models/${MODEL}/predict — ${scored.sent} real flights scored, ${scored.versions}, live accuracy ${scored.accuracy.toFixed(3)}`);
      console.log(`  Web UI (this run) ${urls.webUi}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(runId)}`);
      console.log(`  model workflow    ${urls.webUi}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(`model:${MODEL}`)}`);

      console.log(`\nctrain demo: continuous training — ${LIVE_MODEL}, drift detected in live traffic, retrained on fresh data, canaried, promoted`);
      await runDriftStory(client, deps.storage, { url: server.url, flush: () => server.server.predictionLog.flush(), untilLoaded });
      console.log(`  model workflow    ${urls.webUi}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(`model:${LIVE_MODEL}`)}`);
    });
    if (options.serve) {
      console.log('ctrain demo: serving until Ctrl-C');
      await server.closed;
    }
  } finally {
    await server.close();
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
    await tracing?.shutdown();
  }
  console.log('ctrain demo: done. The stack keeps running (`npx ctrain dev status`); `npx ctrain serve` serves the model again; `npx ctrain dev down` stops it all.');
}

/** Waits until the model server has loaded a version under an alias (it polls the registry). */
async function untilServing(serverUrl: string, modelName: string, alias: 'production' | 'canary', version: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const info = await fetch(`${serverUrl}/v1/models/${modelName}`).then((r) => (r.ok ? (r.json() as Promise<{ loaded?: { alias: string; version: number }[] }>) : undefined), () => undefined);
    if (info?.loaded?.some((loaded) => loaded.alias === alias && loaded.version === version)) return;
    if (Date.now() > deadline) throw new Error(`the model server did not load ${modelName} v${version} as ${alias} within a minute`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Real flights after the training slice, scored by the server, with their real outcomes posted back. */
async function sendLiveRows(serverUrl: string): Promise<{ sent: number; accuracy: number; versions: string }> {
  const spec = loadPipeline(MODEL);
  const skip = spec.source.limit ?? 0;
  const rows: TableRow[] = [];
  for await (const row of readRows(join(PROJECT_ROOT, 'node_modules/vega-datasets/data/flights-3m.parquet'), 'parquet', { limit: skip + LIVE_ROWS })) rows.push(row);
  const live = rows.slice(skip);
  const response = await fetch(`${serverUrl}/v1/models/${MODEL}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rows: live.map(({ date, distance, origin, destination }) => ({ date, distance, origin, destination })) }),
  });
  if (!response.ok) throw new Error(`the model server answered ${response.status}: ${await response.text()}`);
  const { predictions } = (await response.json()) as { predictions: { id: string; version: number; alias: string; score: number }[] };
  const labels = live.map((row) => Number((row.delay as number) > 15));
  const fedBack = await fetch(`${serverUrl}/v1/models/${MODEL}/outcomes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcomes: predictions.map((p, i) => ({ id: p.id, label: labels[i] })) }),
  });
  if (!fedBack.ok) throw new Error(`the model server refused the outcomes: ${fedBack.status} ${await fedBack.text()}`);
  const correct = predictions.filter((p, i) => Number(p.score >= 0.5) === labels[i]).length;
  const versions = [...new Set(predictions.map((p) => `v${p.version} (${p.alias})`))].join(', ');
  return { sent: predictions.length, accuracy: correct / predictions.length, versions };
}
