import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { PipelineRunResult } from '../contracts/pipeline-run.js';
import type { TableRow } from '../tabular/index.js';

const MODEL = 'flight-delay';
const LIVE_ROWS = 200;
/** The dev model server writes its prediction log every second (dev-services.ts); this waits out one write. */
const LOG_FLUSH_WAIT_MS = 2500;

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the continuous-training demo: bring up the dev stack (workers and model server included), train flight-delay on real flights, deploy it, send it real rows; the stack keeps running')
    .action(runDemo);
}

async function runDemo(): Promise<void> {
  const started = Date.now();
  const { bringUpDevStack, describeDevStack } = await import('./dev-stack-view.js');
  const { configFromEnv } = await import('../infra/config.js');
  const { requestRun, waitForRun } = await import('../clients/model-client.js');
  const { loadPipeline } = await import('../pipelines/index.js');
  const { ObjectStore } = await import('../storage/gateway.js');
  const { withClient } = await import('./connect.js');
  const { LIVE_MODEL, runDriftStory } = await import('./demo-drift-story.js');
  const { describeRun } = await import('./run.js');
  const [{ registryKeys }, { uriOf }] = await Promise.all([import('../storage/layout.js'), import('../contracts/pipeline-run.js')]);

  const stack = await bringUpDevStack();
  const { urls, server } = stack;
  Object.assign(process.env, { CTRAIN_TEMPORAL_ADDRESS: urls.temporalAddress, CTRAIN_MINIO_ENDPOINT: urls.minioEndpoint });
  const config = configFromEnv();
  console.log(`ctrain demo: stack up — Web UI ${urls.webUi}, MinIO ${urls.minioEndpoint}; workers and model server ${server.url} running (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const untilLoaded = (modelName: string, alias: 'production' | 'canary', version: number) => untilServing(server.url, modelName, alias, version);
  const spec = loadPipeline(MODEL);

  await withClient(async (client) => {
    console.log(`ctrain demo: training ${MODEL} on ${spec.source.limit ?? 'all'} rows of ${spec.source.uri} …`);
    const { runId } = await requestRun(client, MODEL, { reason: 'npm run demo', source: 'cli' });
    const { run, registry } = await waitForRun(client, MODEL, runId);
    const result = run.status === 'failed' ? undefined : ((await client.workflow.getHandle(runId).result()) as PipelineRunResult);
    // A later demo finds the same data and spec: the run reuses the version an earlier one registered.
    const version = registry.versions.find((candidate) => candidate.version === run.version);
    const reusedFrom = version && version.runId !== runId ? version : undefined;
    console.log(describeRun(run, result, reusedFrom?.runId).join('\n'));
    if (!registry.aliases.production) throw new Error(`no production version of ${MODEL}: ${run.error ?? run.status}`);

    await untilLoaded(MODEL, 'production', registry.aliases.production);
    const scored = await sendLiveRows(server);
    const reused = reusedFrom ? ` (v${reusedFrom.version}'s, reused)` : '';
    const baseline = result?.evaluate.baseline;
    console.log(`\nctrain demo: summary (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    console.log(`  dataset version   ${result?.datasetVersion ?? '-'}${reusedFrom ? ` (unchanged since run ${reusedFrom.runId})` : ''}`);
    console.log(`  metrics (test)    ${result ? Object.entries(result.evaluate.metrics).filter(([n]) => ['auc', 'accuracy', 'logLoss'].includes(n)).map(([n, v]) => `${n}=${v.toFixed(4)}`).join(' ') : '-'}${reused}`);
    if (baseline) console.log(`  baseline (test)   ${baseline.predictor}: ${Object.entries(baseline.metrics).filter(([n]) => ['auc', 'accuracy', 'logLoss'].includes(n)).map(([n, v]) => `${n}=${v.toFixed(4)}`).join(' ')}${reused}`);
    console.log(`  backend           ${result ? describeBackend(result.train) : '-'}${reused}`);
    console.log(`  registry          ${MODEL} v${run.version} ${reusedFrom ? 'reused, nothing new registered' : 'registered by this run'} (production v${registry.aliases.production}); ${uriOf(registryKeys.registry(MODEL))}`);
    console.log(`  serving           ${server.url}/v1/models/${MODEL}/predict — ${scored.sent} real flights scored${reusedFrom ? ' again' : ''}, ${scored.versions}, live accuracy ${scored.accuracy.toFixed(3)}`);
    console.log(`  Web UI (this run) ${urls.webUi}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(runId)}`);
    console.log(`  model workflow    ${urls.webUi}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(`model:${MODEL}`)}`);

    console.log(`\nctrain demo: continuous training — ${LIVE_MODEL}: live traffic, a drift check, and what the model workflow makes of it`);
    await runDriftStory(client, new ObjectStore(config.minio), { ...server, flush: () => sleep(LOG_FLUSH_WAIT_MS), untilLoaded });
    console.log(`  model workflow    ${urls.webUi}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(`model:${LIVE_MODEL}`)}`);
  });
  console.log(`\nctrain demo: done in ${((Date.now() - started) / 1000).toFixed(1)} s. Everything keeps running:`);
  console.log(describeDevStack(stack).join('\n'));
  console.log('  try next:');
  const next: [string, string][] = [
    ['npx ctrain models ls', 'the registry'],
    [`npx ctrain models show ${MODEL}`, 'versions, metrics against the baseline, lineage'],
    [`npx ctrain watch ${MODEL}`, 'runs as they happen'],
    [`npx ctrain drift check ${LIVE_MODEL}`, 'a drift check now'],
    [`npx ctrain report ${MODEL} --open`, 'the run report'],
  ];
  const width = Math.max(...next.map(([command]) => command.length)) + 2;
  for (const [command, what] of next) console.log(`    ${command.padEnd(width)}${what}`);
}

/** The backend, what it ran on and why faster ones were skipped (recorded with the version). */
function describeBackend(train: PipelineRunResult['train']): string {
  return train.backendDetail ? `${train.backend} — ${train.backendDetail.detail}` : train.backend;
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
async function sendLiveRows(server: { url: string; feedbackToken: string }): Promise<{ sent: number; accuracy: number; versions: string }> {
  const { loadPipeline } = await import('../pipelines/index.js');
  const { readRows } = await import('../tabular/index.js');
  const { PROJECT_ROOT } = await import('../stack/paths.js');
  const serverUrl = server.url;
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
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.feedbackToken}` },
    body: JSON.stringify({ outcomes: predictions.map((p, i) => ({ id: p.id, label: labels[i] })) }),
  });
  if (!fedBack.ok) throw new Error(`the model server refused the outcomes: ${fedBack.status} ${await fedBack.text()}`);
  const correct = predictions.filter((p, i) => Number(p.score >= 0.5) === labels[i]).length;
  const versions = [...new Set(predictions.map((p) => `v${p.version} (${p.alias})`))].join(', ');
  return { sent: predictions.length, accuracy: correct / predictions.length, versions };
}
