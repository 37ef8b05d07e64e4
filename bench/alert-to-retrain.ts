// Measures the time from an alert's HTTP request to the start of the retraining run it causes:
// a private Temporal + MinIO stack, real workers, the real alert receiver on loopback, and a copy
// of the Seattle spec whose debounce and cooldown are 1 ms (so only ctrain's own latency counts).
// Run: npx tsx bench/alert-to-retrain.ts [runs=20]
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAlertReceiver } from '../alerts/server.js';
import { readRegistry } from '../infra/model-client.js';
import { registerPipeline } from '../pipelines/index.js';
import seattleTemperature from '../pipelines/seattle-temperature.js';
import { provision } from '../stack/provision.js';
import { connectTemporal } from '../test/support/temporal.js';
import { startTestStack, stopTestStack } from '../test/support/test-stack.js';
import { startWorkers } from '../test/support/workers.js';

const RUNS = Number(process.argv[2] ?? 20);
const model = `bench-alerts-${randomUUID().slice(0, 8)}`;
registerPipeline({ ...seattleTemperature, name: model, drift: { ...seattleTemperature.drift, debounce: '1 ms', cooldown: '1 ms' } });

const stack = await startTestStack(await provision(() => undefined));
const temporal = await connectTemporal(stack);
const workers = await startWorkers(stack, temporal);
const receiver = createAlertReceiver({ client: temporal.client, taskQueue: workers.taskQueue, trainTaskQueue: workers.trainTaskQueue, auth: { bearerTokens: ['bench'] }, logger: false });
const url = await receiver.app.listen({ port: 0, host: '127.0.0.1' });
const latencies: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const runsBefore = (await readRegistry(temporal.client, model).catch(() => undefined))?.runs.length ?? 0;
    const sent = Date.now();
    const response = await fetch(`${url}/alerts`, { method: 'POST', headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, body: JSON.stringify({ model, reason: `bench alert ${i}` }) });
    if (response.status !== 202) throw new Error(`alert answered ${response.status}: ${await response.text()}`);
    // The run's child workflow: its start time, as Temporal recorded it.
    let runId: string | undefined;
    while (!runId) {
      runId = (await readRegistry(temporal.client, model).catch(() => undefined))?.runs[runsBefore]?.runId;
      if (!runId) await sleep(5);
    }
    let started: Date | undefined;
    while (!started) started = await temporal.client.workflow.getHandle(runId).describe().then((d) => d.startTime, () => undefined);
    latencies.push(started.getTime() - sent);
    // Let the run finish so the next alert starts a run of its own rather than folding into this one.
    while (!(await readRegistry(temporal.client, model)).runs[runsBefore]?.finishedAt) await sleep(50);
  }
} finally {
  await receiver.close();
  await workers.stop();
  await temporal.close();
  await stopTestStack();
}
const sorted = [...latencies].sort((a, b) => a - b);
const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
console.log(`alert HTTP request -> retraining run started (Temporal start time), ${sorted.length} runs: median ${median} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms`);
console.log(`all: ${latencies.join(' ')}`);
