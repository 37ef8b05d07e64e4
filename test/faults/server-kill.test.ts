import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { freePort } from '../../stack/ports.js';
import type { TableRow } from '../../tabular/index.js';
import { readRows } from '../../tabular/index.js';
import { PROJECT_ROOT } from '../../stack/paths.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import { faultModel, recordFault, startServeProcess } from './support.js';

const stack = inject('stack');
// Its own model (the seattle spec under another name): many-runs infers seattle-temperature's reference schema from 400 days.
const MODEL = faultModel('fault-server');
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
let server: { process: ResultPromise; url: string } | undefined;
let days: TableRow[];

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
  days = [];
  for await (const row of readRows(`${PROJECT_ROOT}/node_modules/vega-datasets/data/seattle-weather.csv`, 'csv', { limit: 200 })) days.push(row);
});
afterAll(async () => {
  server?.process.kill('SIGKILL');
  await workers?.stop();
  await temporal?.close();
});

/** Sends rows to the server; answers with the versions that answered (failed requests count as none). */
async function traffic(url: string, rows: TableRow[]): Promise<{ ok: number; versions: Set<number> }> {
  const versions = new Set<number>();
  let ok = 0;
  for (const { date, precipitation, temp_min, wind, weather } of rows) {
    const row = { date, precipitation, temp_min, wind, weather };
    const reply = await fetch(`${url}/v1/models/${MODEL}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ row }) }).catch(() => undefined);
    if (reply?.status !== 200) continue;
    ok += 1;
    for (const prediction of ((await reply.json()) as { predictions: { version: number }[] }).predictions) versions.add(prediction.version);
  }
  return { ok, versions };
}

describe('the model server SIGKILLed during a canary soak', () => {
  it('deploy ends cleanly (promoted or rolled back, no canary left), and production serves after the restart', async () => {
    const first = await requestRun(temporal.client, MODEL, { source: 'cli', reason: 'production first', overrides: { training: { epochs: 5 } } }, workers);
    await waitForRun(temporal.client, MODEL, first.runId);
    const port = await freePort();
    server = await startServeProcess(stack, [MODEL], port);

    const { runId } = await requestRun(
      temporal.client,
      MODEL,
      { source: 'cli', reason: 'fault: server killed during the soak', overrides: { training: { epochs: 5, seed: 21 }, evaluation: { maxRegression: 100 }, deploy: { soak: '15 seconds', canaryPercent: 50 } } },
      workers,
    );
    for (;;) {
      const registry = await readRegistry(temporal.client, MODEL);
      if (registry.aliases.canary !== undefined && registry.versions.some((version) => version.runId === runId)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const before = await traffic(server.url, days.slice(0, 50));
    server.process.kill('SIGKILL');
    await server.process;
    server = await startServeProcess(stack, [MODEL], port);
    const { run, registry } = await waitForRun(temporal.client, MODEL, runId);
    // Give the restarted server a poll to see the final aliases, then ask it. The probe is 20
    // requests: one could land on production by chance while the server still splits a canary.
    for (;;) {
      const after = await traffic(server.url, days.slice(30, 50));
      if (after.versions.has(registry.aliases.production!) && after.versions.size === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const after = await traffic(server.url, days.slice(51, 151));

    expect(before.ok, 'requests answered before the kill').toBe(50);
    expect(['registered', 'rolled-back'], `${run.status}: ${run.error ?? ''}`).toContain(run.status);
    expect(registry.aliases.canary).toBeUndefined();
    expect(registry.versions.filter((version) => version.runId === runId)).toHaveLength(1);
    expect(after.ok, 'requests answered after the restart').toBe(100);
    expect([...after.versions]).toEqual([registry.aliases.production]);
    await recordFault({ fault: 'model server SIGKILL during a canary soak', injected: 1, runsCompleted: 1, versionsRegistered: 1, bytesVerified: 0, outcome: `${run.status}; production v${registry.aliases.production} serves after the restart` });
  });
});
