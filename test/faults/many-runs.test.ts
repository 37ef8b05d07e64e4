import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PipelineRunResult } from '../../contracts/pipeline-run.js';
import type { trainingPipelineWorkflow } from '../../workflows/training-pipeline.js';
import { connectTemporal, uniqueId } from '../../harness/temporal.js';
import { recordFault, WorkerProcesses } from './support.js';

const stack = inject('stack');
const RUNS = 20;
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: WorkerProcesses;

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  workers = new WorkerProcesses(stack);
  await workers.start('general');
  await workers.start('trainer');
});
afterAll(async () => {
  await workers?.stop();
  await temporal?.close();
});

describe(`${RUNS} pipeline runs in flight on one general and one trainer worker`, () => {
  it('all complete, each with the same dataset version and full training, though the general worker is killed in the middle', async () => {
    const batch = uniqueId('many');
    const handles = await Promise.all(
      Array.from({ length: RUNS }, (_, index) =>
        temporal.client.workflow.start<typeof trainingPipelineWorkflow>('trainingPipelineWorkflow', {
          workflowId: `${batch}-${index}`,
          taskQueue: workers.taskQueue,
          // Each run ingests (DVC) and, with a seed of its own, trains and evaluates its own model;
          // validate and feature are the same for all twenty and come from the step cache.
          args: [{ pipeline: 'seattle-temperature', trainTaskQueue: workers.trainTaskQueue, overrides: { source: { limit: 400 }, training: { epochs: 3, earlyStopPatience: 0, seed: 1000 + index } } }],
        }),
      ),
    );
    // Kill once any three runs are through and the rest are mid-flight (which three finish first is
    // up to the schedulers: waiting for three given runs could find all twenty done).
    let through = 0;
    const threeThrough = new Promise<void>((resolve) => {
      for (const handle of handles) {
        void handle
          .result()
          .catch(() => undefined)
          .finally(() => {
            through += 1;
            if (through === 3) resolve();
          });
      }
    });
    await Promise.race([threeThrough, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    const running = (await Promise.all(handles.map(async (handle) => (await handle.describe()).status.name))).filter((status) => status === 'RUNNING').length;
    await workers.kill('general');
    await workers.start('general');
    const results: PipelineRunResult[] = await Promise.all(handles.map((handle) => handle.result()));

    expect(running).toBeGreaterThan(0);
    expect(results).toHaveLength(RUNS);
    expect(new Set(results.map((result) => result.datasetVersion)).size).toBe(1);
    expect(results.every((result) => result.train.epochsRun === 3 && !result.train.cached)).toBe(true);
    // Twenty seeds, twenty models: no run took another's output.
    expect(new Set(results.map((result) => result.train.modelArtifact.key)).size).toBe(RUNS);
    await recordFault({ fault: `general worker SIGKILL with ${running} of ${RUNS} runs in flight`, injected: 1, runsCompleted: results.length, versionsRegistered: 0, bytesVerified: 0, outcome: `all ${RUNS} completed` });
  });
});
