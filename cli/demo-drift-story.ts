import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Registry } from '../contracts/model.js';
import { parseDuration } from '../contracts/duration.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import { readRegistry, requestRun, waitForRun } from '../clients/model-client.js';
import { PROJECT_ROOT } from '../stack/paths.js';
import { driftCheckWorkflow } from '../workflows/index.js';
import type { ObjectStore as Storage } from '../storage/gateway.js';
import { datasetKeys } from '../storage/layout.js';
import { uriOf } from '../contracts/pipeline-run.js';

export const LIVE_MODEL = 'seattle-live';
const SOURCE = datasetKeys.liveSource('seattle-weather.csv');
const FRESH_FROM = '2014-01-01';
const REPLAY = { from: '2015-05-01', to: '2015-10-01' };

type Day = Record<string, string | number>;

/**
 * The continuous-training story on Seattle's weather: train on 2012–2013, deploy; new days
 * (2014–2015) arrive in the source; a warm 2015 summer is replayed as live traffic; the drift
 * check finds it, signals the model workflow, which retrains on the fresh data, canaries the new
 * version on live traffic and promotes it. Returns the timeline.
 */
/** What the story needs of the demo's model server. */
export interface DemoServer {
  url: string;
  /** May post outcomes. */
  feedbackToken: string;
  /** Writes buffered prediction-log lines to MinIO now. */
  flush: () => Promise<void>;
  /** Resolves once the server has loaded `version` of the model under `alias`. */
  untilLoaded: (modelName: string, alias: 'production' | 'canary', version: number) => Promise<void>;
}

export async function runDriftStory(client: Client, storage: Storage, server: DemoServer): Promise<string[]> {
  const started = Date.now();
  const timeline: string[] = [];
  const note = (line: string): void => {
    const entry = `  +${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}`;
    timeline.push(entry);
    console.log(entry);
  };
  const [header, ...lines] = readFileSync(join(PROJECT_ROOT, 'node_modules/vega-datasets/data/seattle-weather.csv'), 'utf8').trim().split('\n');
  const early = lines.filter((line) => line < FRESH_FROM);
  await storage.putBuffer(SOURCE, Buffer.from([header, ...early].join('\n') + '\n'), 'text/csv');
  note(`source ${uriOf(SOURCE)} holds ${early.length} days (2012–2013)`);

  const first = await requestRun(client, LIVE_MODEL, { reason: 'demo: first training', source: 'cli' });
  const { run: firstRun, registry: trained } = await waitForRun(client, LIVE_MODEL, first.runId);
  const v1 = trained.aliases.production!;
  const firstVersion = trained.versions.find((candidate) => candidate.version === firstRun.version);
  if (firstVersion && firstVersion.runId !== first.runId) {
    // An earlier demo trained on these days already: the run reused its version, and production may have moved on since.
    note(`unchanged: these days are the data v${firstVersion.version} was trained on (run ${firstVersion.runId}); nothing retrained, nothing registered`);
    note(`production stays v${v1}${v1 === firstVersion.version ? '' : `, registered ${trained.versions.find((candidate) => candidate.version === v1)?.createdAt ?? 'earlier'} by an earlier demo`}: rmse ${rmse(trained, v1)} °C on its own test rows`);
  } else {
    note(`trained and deployed v${v1}: rmse ${rmse(trained, v1)} °C on the last 20% of 2012–2013`);
  }
  await server.untilLoaded(LIVE_MODEL, 'production', v1);

  await storage.putBuffer(SOURCE, Buffer.from([header, ...lines].join('\n') + '\n'), 'text/csv');
  note(`${lines.length - early.length} new days (2014–2015) arrive in the source`);
  const summer = lines.filter((line) => line >= REPLAY.from && line < REPLAY.to).map(parseDay(header!));
  const sent = await replay(server, summer);
  await server.flush();
  note(`replayed ${sent.length} days of May–September 2015 as live traffic, outcomes posted back`);

  // A drift signal inside the cooldown after the first run would (rightly) be ignored.
  const cooling = await readRegistry(client, LIVE_MODEL);
  const cooldownEnds = Date.parse(cooling.lastRunFinishedAt ?? '') + parseDuration(cooling.policy?.cooldown ?? '0 ms');
  if (cooldownEnds > Date.now()) {
    note(`waiting out the ${cooling.policy?.cooldown} cooldown after the last run`);
    await sleep(cooldownEnds - Date.now() + 100);
  }
  const check = await client.workflow.execute(driftCheckWorkflow, { taskQueue: TASK_QUEUES.general, workflowId: `drift-check:${LIVE_MODEL}:demo-${Date.now()}`, workflowExecutionTimeout: '2 minutes', args: [{ modelName: LIVE_MODEL }] });
  note(`drift check: ${check.verdict} — ${check.reason}`);
  if (check.outcome) note(`outcomes: ${check.outcome.reason}`);
  else if (check.performance) note(`live metric: ${check.performance.reason}`);
  if (!check.signalled) return timeline;
  note(`signalled model:${LIVE_MODEL} (source 'drift', with the report ${check.report ? uriOf(check.report) : 'none'})`);

  const decided = await until(client, (r) => r.decisions.length > trained.decisions.length);
  const decision = decided.decisions.at(-1)!;
  note(`model workflow decided: ${decision.decision} — ${decision.reason}${decision.runId ? `; run ${decision.runId}` : ''}`);
  if (!decision.runId) return timeline;
  const retraining = await until(client, (r) => r.runs.some((candidate) => candidate.runId === decision.runId));
  const run = retraining.runs.find((candidate) => candidate.runId === decision.runId)!;
  const canary = await until(client, (r) => r.aliases.canary !== undefined || Boolean(r.runs.find((candidate) => candidate.runId === run.runId)?.finishedAt));
  if (canary.aliases.canary !== undefined) {
    note(`retrained on ${lines.length} days; v${canary.aliases.canary} is the canary (rmse ${rmse(canary, canary.aliases.canary)} °C vs production on the same new test rows ${productionRmse(canary, canary.aliases.canary)} °C)`);
    await server.untilLoaded(LIVE_MODEL, 'canary', canary.aliases.canary);
    const during = await replay(server, summer);
    await server.flush();
    note(`live traffic during the soak: ${during.filter((p) => p.alias === 'canary').length} requests to the canary, ${during.filter((p) => p.alias === 'production').length} to production`);
  }
  const done = await waitForRun(client, LIVE_MODEL, run.runId);
  const version = done.registry.versions.find((candidate) => candidate.version === done.run.version);
  if (version && version.runId !== run.runId) {
    note(`unchanged: the retraining found the data and spec of v${version.version} (run ${version.runId}) and reused it; nothing new registered, production stays v${done.registry.aliases.production}`);
  } else {
    note(`run ${done.run.status}; production is v${done.registry.aliases.production}${version?.deployment ? ` — ${version.deployment.reason}` : ''}`);
  }
  return timeline;
}

/** Polls the model's registry until `done` holds; a minute at most, so the demo never hangs. */
async function until(client: Client, done: (registry: Registry) => boolean): Promise<Registry> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const registry = await readRegistry(client, LIVE_MODEL);
    if (done(registry)) return registry;
    if (Date.now() > deadline) throw new Error(`model:${LIVE_MODEL} did not get there within a minute; \`npx ctrain dev status\` shows whether its workers run`);
    await sleep(200);
  }
}

const parseDay = (header: string) => (line: string): Day => {
  const names = header.split(',');
  const values = line.split(',');
  return Object.fromEntries(names.map((name, i) => [name, name === 'date' || name === 'weather' ? values[i]! : Number(values[i])]));
};

/** Sends days one request each (so the canary split applies per request) and posts the real maximum temperatures back. */
async function replay({ url: serverUrl, feedbackToken }: DemoServer, days: Day[]): Promise<{ alias: string }[]> {
  const answered: { id: string; alias: string; label: number }[] = [];
  for (const { temp_max: label, ...input } of days) {
    const response = await fetch(`${serverUrl}/v1/models/${LIVE_MODEL}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ row: input }) });
    if (!response.ok) throw new Error(`the model server answered ${response.status}: ${await response.text()}`);
    const { predictions } = (await response.json()) as { predictions: { id: string; alias: string }[] };
    answered.push({ id: predictions[0]!.id, alias: predictions[0]!.alias, label: Number(label) });
  }
  const fedBack = await fetch(`${serverUrl}/v1/models/${LIVE_MODEL}/outcomes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${feedbackToken}` },
    body: JSON.stringify({ outcomes: answered.map(({ id, label }) => ({ id, label })) }),
  });
  if (!fedBack.ok) throw new Error(`the model server refused the outcomes: ${fedBack.status} ${await fedBack.text()}`);
  return answered;
}

const rmse = (registry: Registry, version: number): string => registry.versions.find((v) => v.version === version)?.metrics.rmse?.toFixed(2) ?? '-';
const productionRmse = (registry: Registry, version: number): string => registry.versions.find((v) => v.version === version)?.productionMetrics?.rmse?.toFixed(2) ?? '-';
