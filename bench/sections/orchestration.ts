/**
 * Orchestration overhead: the seven-step DAG with trivial activities through the real Temporal
 * dev server, against the same functions called in a loop; and, on a real flight-delay run,
 * the share of its wall time spent outside the activities' own work.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { readRegistry, requestRun, waitForRun } from '../../clients/model-client.js';
import { uniqueId } from '../../harness/temporal.js';
import { startWorkers } from '../../harness/workers.js';
import type { BenchRow, BenchSection } from '../contract.js';
import { repeat, summarize } from '../stats.js';
import { withBenchStack } from '../support/stack.js';
import { TRIVIAL_STEPS, trivialActivities, trivialDagDirect } from '../trivial-steps.js';
import type { trivialDagWorkflow } from '../workflows/trivial-dag.js';

const WORKFLOWS = fileURLToPath(new URL('../workflows/trivial-dag.ts', import.meta.url));

export const orchestration: BenchSection = {
  name: 'orchestration',
  title: 'Orchestration overhead per step',
  async run({ quick, log }) {
    return withBenchStack(async (stack, temporal) => {
      const rows: BenchRow[] = [];
      const taskQueue = uniqueId('bench-dag');
      const worker = await Worker.create({ connection: temporal.workerConnection, namespace: stack.namespace, taskQueue, workflowsPath: WORKFLOWS, activities: trivialActivities });
      const running = worker.run();
      try {
        const runs = quick ? 5 : 30;
        const execute = (i: number) => temporal.client.workflow.execute<typeof trivialDagWorkflow>('trivialDagWorkflow', { taskQueue, workflowId: uniqueId(`dag-${i}`), args: [`run-${i}`] });
        await execute(-1); // warm-up: the first workflow task loads the bundle into its isolate
        const perStep = (ms: number) => ms / TRIVIAL_STEPS.length;
        const temporalRun = await repeat(runs, 'ms/step', async (i) => perStep(await elapsed(() => execute(i))));
        const directRun = await repeat(runs, 'ms/step', async (i) => perStep(await elapsed(() => trivialDagDirect(`run-${i}`))));
        const profile = await stepProfile(temporal.client, taskQueue);
        const overhead = summarize([temporalRun.median - directRun.median, temporalRun.min - directRun.min, temporalRun.max - directRun.max], 'ms/step');
        log(`orchestration: ${temporalRun.median.toFixed(2)} ms/step through Temporal, ${directRun.median.toFixed(4)} ms/step direct`);
        rows.push({
          section: 'orchestration',
          name: `seven trivial steps, one workflow (${runs} runs): wall time per step`,
          ctrain: temporalRun,
          peer: { name: 'same functions called directly', ...directRun },
          better: 'lower',
          target: { text: 'overhead < 25 ms/step', met: overhead.median < 25 },
          note: `overhead ${overhead.median.toFixed(1)} ms/step; per step from the history: ${profile}`,
        });
      } finally {
        worker.shutdown();
        await running;
      }
      rows.push(await realisticShare(stack, temporal.client, temporal, quick, log));
      return rows;
    });
  },
};

/** A real flight-delay training run through the model workflow; its history says how long the activities themselves ran. */
async function realisticShare(stack: Parameters<typeof startWorkers>[0], client: Client, temporal: Parameters<typeof startWorkers>[1], quick: boolean, log: (line: string) => void): Promise<BenchRow> {
  const workers = await startWorkers(stack, temporal);
  try {
    const overrides = quick ? { source: { limit: 20_000 }, training: { epochs: 2 } } : {};
    const { runId } = await requestRun(client, 'flight-delay', { source: 'cli', reason: 'benchmark: orchestration share', overrides }, workers);
    await waitForRun(client, 'flight-delay', runId, 200);
    const history = await client.workflow.getHandle(runId).fetchHistory();
    const { wall, insideActivities, steps } = activityTime(history.events ?? []);
    const share = ((wall - insideActivities) / wall) * 100;
    const registry = await readRegistry(client, 'flight-delay');
    log(`orchestration: flight-delay run ${(wall / 1000).toFixed(1)} s, ${steps} activities, ${((wall - insideActivities) / 1000).toFixed(2)} s outside them (status ${registry.runs.at(-1)?.status})`);
    return {
      section: 'orchestration',
      name: `real flight-delay run (${quick ? '20,000' : '150,000'} rows, ${steps} activities, ${(wall / 1000).toFixed(0)} s): share of wall time outside the activities`,
      ctrain: summarize([share], '%'),
      better: 'lower',
      target: { text: '< 3% of a one-minute run', met: share < 3 && wall >= 30_000 },
      note: `${((wall - insideActivities) / 1000).toFixed(2)} s of ${(wall / 1000).toFixed(1)} s`,
    };
  } finally {
    await workers.stop();
  }
}

/** Where a step's time goes, from one run's history: dispatch, the activity, and the workflow task that schedules the next. */
async function stepProfile(client: Client, taskQueue: string): Promise<string> {
  const workflowId = uniqueId('dag-profile');
  await client.workflow.execute<typeof trivialDagWorkflow>('trivialDagWorkflow', { taskQueue, workflowId, args: ['profile'] });
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const byId = new Map(events.map((event) => [Number(event.eventId), event]));
  const dispatch: number[] = [];
  const inActivity: number[] = [];
  const toNext: number[] = [];
  events.forEach((event, index) => {
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed) return;
    const started = byId.get(Number(completed.startedEventId));
    const scheduled = byId.get(Number(completed.scheduledEventId));
    dispatch.push(millis(started) - millis(scheduled));
    inActivity.push(millis(event) - millis(started));
    const next = events.slice(index + 1).find((later) => later.activityTaskScheduledEventAttributes || later.workflowExecutionCompletedEventAttributes);
    toNext.push(millis(next) - millis(event));
  });
  const mean = (values: number[]) => (values.reduce((a, b) => a + b, 0) / values.length).toFixed(1);
  return `scheduled→started ${mean(dispatch)} ms, started→completed ${mean(inActivity)} ms, completed→next step scheduled (workflow task) ${mean(toNext)} ms`;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const millis = (event: HistoryEvent | undefined): number => {
  const time = event?.eventTime;
  return time ? Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6 : Number.NaN;
};

/** Workflow wall time and the time activities spent running (started to completed, retries included). */
export function activityTime(events: readonly HistoryEvent[]): { wall: number; insideActivities: number; steps: number } {
  const byId = new Map(events.map((event) => [Number(event.eventId), event]));
  let insideActivities = 0;
  let steps = 0;
  for (const event of events) {
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed) continue;
    insideActivities += millis(event) - millis(byId.get(Number(completed.startedEventId)));
    steps++;
  }
  return { wall: millis(events.at(-1)) - millis(events[0]), insideActivities, steps };
}

async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}
