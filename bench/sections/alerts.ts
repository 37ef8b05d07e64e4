/**
 * Alert to retraining: from an alert's HTTP request to the start of the retraining workflow it
 * causes (Temporal's recorded start time), through the real alert receiver, model workflow and
 * workers. The model's debounce and cooldown are 1 ms, so only ctrain's own latency counts.
 * Each run is cancelled once started, so the next alert starts a run of its own. The peer is
 * the floor: a client starting a workflow directly, to its recorded start time.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { createAlertReceiver } from '../../alerts/server.js';
import { modelWorkflowId, publishedRegistryQuery } from '../../contracts/model.js';
import { readRegistry } from '../../clients/model-client.js';
import { registerPipeline } from '../../pipelines/index.js';
import seattleTemperature from '../../pipelines/seattle-temperature.js';
import { uniqueId } from '../../harness/temporal.js';
import { startWorkers } from '../../harness/workers.js';
import type { BenchSection } from '../contract.js';
import { quantile, summarize } from '../stats.js';
import { withBenchStack } from '../support/stack.js';
import { trivialActivities } from '../trivial-steps.js';
import type { trivialDagWorkflow } from '../workflows/trivial-dag.js';

const TOKEN = 'bench';
const FINAL = ['cancelled', 'failed', 'registered', 'not-blessed', 'rejected'];

export const alerts: BenchSection = {
  name: 'alerts',
  title: 'Alert to retraining',
  async run({ quick, log }) {
    const count = quick ? 10 : 100;
    const modelName = `bench-alerts-${randomUUID().slice(0, 8)}`;
    registerPipeline({ ...seattleTemperature, name: modelName, drift: { ...seattleTemperature.drift, debounce: '1 ms', cooldown: '1 ms' } });
    return withBenchStack(async (stack, temporal) => {
      const client = temporal.client;
      const workers = await startWorkers(stack, temporal);
      const receiver = createAlertReceiver({ client, taskQueue: workers.taskQueue, trainTaskQueue: workers.trainTaskQueue, auth: { bearerTokens: [TOKEN] }, logger: false, rateLimit: false });
      const url = await receiver.app.listen({ port: 0, host: '127.0.0.1' });
      const alertLatencies: number[] = [];
      try {
        for (let i = 0; i < count; i++) {
          const runsBefore = (await readRegistry(client, modelName).catch(() => undefined))?.runs.length ?? 0;
          const sent = Date.now();
          const response = await fetch(`${url}/alerts`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: modelName, reason: `bench alert ${i}` }) });
          if (response.status !== 202) throw new Error(`the alert receiver answered ${response.status}: ${await response.text()}`);
          let runId: string | undefined;
          while (!runId) {
            runId = (await readRegistry(client, modelName).catch(() => undefined))?.runs[runsBefore]?.runId;
            if (!runId) await sleep(2);
          }
          const handle = client.workflow.getHandle(runId);
          let started: Date | undefined;
          while (!started) started = await handle.describe().then((d) => d.startTime, () => undefined);
          alertLatencies.push(started.getTime() - sent);
          await handle.cancel();
          await untilIdle(client, modelName, runsBefore);
        }
      } finally {
        await receiver.close();
        await workers.stop();
      }
      const direct = await directStarts(stack.namespace, temporal, count);
      log(`alerts: p50 ${quantile(alertLatencies, 0.5)} ms, p99 ${quantile(alertLatencies, 0.99)} ms over ${count}; direct start p50 ${quantile(direct, 0.5)} ms`);
      const p50 = summarize([quantile(alertLatencies, 0.5)], 'ms');
      const p99 = summarize([quantile(alertLatencies, 0.99)], 'ms');
      const range = `${count} alerts, min ${Math.min(...alertLatencies)} ms, max ${Math.max(...alertLatencies)} ms`;
      return [
        { section: 'alerts', name: `alert HTTP request → retraining workflow started, p50 (${range})`, ctrain: p50, peer: { name: 'client starting a workflow directly, p50', ...summarize([quantile(direct, 0.5)], 'ms') }, better: 'lower', target: { text: 'p50 < 100 ms', met: p50.median < 100 } },
        { section: 'alerts', name: `alert HTTP request → retraining workflow started, p99 (${range})`, ctrain: p99, peer: { name: 'client starting a workflow directly, p99', ...summarize([quantile(direct, 0.99)], 'ms') }, better: 'lower', target: { text: 'p99 < 500 ms', met: p99.median < 500 } },
      ];
    });
  },
};

/** Until the run is final in MinIO and the model workflow has nothing left to do after it, so the next alert finds it waiting. */
async function untilIdle(client: Client, modelName: string, run: number): Promise<void> {
  const workflow = client.workflow.getHandle(modelWorkflowId(modelName));
  for (;;) {
    const published = (await workflow.query(publishedRegistryQuery)).runs[run]?.status;
    const { raw } = await workflow.describe();
    if (published && FINAL.includes(published) && !raw.pendingActivities?.length && !raw.pendingWorkflowTask) return;
    await sleep(10);
  }
}

/** Latency from a client's start call to the workflow's recorded start time, `count` times. */
async function directStarts(namespace: string, temporal: Parameters<Parameters<typeof withBenchStack>[0]>[1], count: number): Promise<number[]> {
  const taskQueue = uniqueId('bench-direct');
  const worker = await Worker.create({ connection: temporal.workerConnection, namespace, taskQueue, workflowsPath: fileURLToPath(new URL('../workflows/trivial-dag.ts', import.meta.url)), activities: trivialActivities });
  const running = worker.run();
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const sent = Date.now();
      const handle = await temporal.client.workflow.start<typeof trivialDagWorkflow>('trivialDagWorkflow', { taskQueue, workflowId: uniqueId('direct'), args: [`direct-${i}`] });
      latencies.push((await handle.describe()).startTime.getTime() - sent);
      await handle.result();
    }
  } finally {
    worker.shutdown();
    await running;
  }
  return latencies;
}
