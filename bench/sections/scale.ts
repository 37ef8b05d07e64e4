/**
 * Scale: seattle-temperature pipeline runs (each ingests, validates, features, trains with a
 * seed of its own and evaluates) completed per minute with 1, 2 and 4 general worker processes
 * and one trainer process; then 100 runs on one general worker, whose memory is read from
 * /proc before, during and after (a leak shows as growth between run 20 and run 100).
 */
import { readFile } from 'node:fs/promises';
import type { ResultPromise } from 'execa';
import type { PipelineRunResult } from '../../contracts/pipeline-run.js';
import { uniqueId } from '../../harness/temporal.js';
import { startWorkerProcess } from '../../harness/worker-process.js';
import type { TestStack } from '../../harness/test-stack.js';
import type { trainingPipelineWorkflow } from '../../workflows/training-pipeline.js';
import type { BenchRow, BenchSection } from '../contract.js';
import { summarize } from '../stats.js';
import type { BenchTemporal } from '../support/stack.js';
import { withBenchStack } from '../support/stack.js';

const WORKER_COUNTS = [1, 2, 4];

export const scale: BenchSection = {
  name: 'scale',
  title: 'Scale with workers',
  async run({ quick, log }) {
    const runsPerCount = quick ? 6 : 24;
    const memoryRuns = quick ? 12 : 100;
    return withBenchStack(async (stack, temporal) => {
      const rows: BenchRow[] = [];
      let seed = 0;
      const perMinute: number[] = [];
      for (const count of WORKER_COUNTS) {
        const fleet = await startFleet(stack, count);
        try {
          await runBatch(temporal, fleet, 2, seed); // warm-up: bundles, caches, the reference schema
          seed += 2;
          const started = performance.now();
          await runBatch(temporal, fleet, runsPerCount, seed);
          seed += runsPerCount;
          perMinute.push(runsPerCount / ((performance.now() - started) / 60_000));
          log(`scale: ${count} general worker(s): ${perMinute.at(-1)!.toFixed(1)} runs/min`);
        } finally {
          await fleet.stop();
        }
        rows.push({
          section: 'scale',
          name: `seattle-temperature pipeline runs completed per minute, ${count} general worker process${count > 1 ? 'es' : ''} + 1 trainer (${runsPerCount} runs in flight)`,
          ctrain: summarize([perMinute.at(-1)!], 'runs/min'),
          better: 'higher',
          ...(count > 1 ? { note: `${(perMinute.at(-1)! / perMinute[0]!).toFixed(2)}× one worker` } : {}),
        });
      }

      const fleet = await startFleet(stack, 1);
      try {
        const pid = fleet.generalPids[0]!;
        const samples: { runs: number; rssMiB: number }[] = [{ runs: 0, rssMiB: (await memory(pid)).rssMiB }];
        for (let done = 0; done < memoryRuns; done += 10) {
          await runBatch(temporal, fleet, 10, seed);
          seed += 10;
          samples.push({ runs: done + 10, rssMiB: (await memory(pid)).rssMiB });
        }
        const { peakMiB } = await memory(pid);
        const at20 = samples.find((sample) => sample.runs === 20) ?? samples[1]!;
        const last = samples.at(-1)!;
        log(`scale: general worker RSS by runs: ${samples.map((s) => `${s.runs}: ${s.rssMiB.toFixed(0)}`).join(', ')} MiB; peak ${peakMiB.toFixed(0)} MiB`);
        rows.push({
          section: 'scale',
          name: `general worker after ${memoryRuns} runs: peak resident memory`,
          ctrain: summarize([peakMiB], 'MiB'),
          better: 'lower',
          note: `RSS after 0/20/${last.runs} runs: ${samples[0]!.rssMiB.toFixed(0)}/${at20.rssMiB.toFixed(0)}/${last.rssMiB.toFixed(0)} MiB`,
        });
        const growth = last.rssMiB - at20.rssMiB;
        rows.push({
          section: 'scale',
          name: `general worker: resident memory growth from run ${at20.runs} to run ${last.runs}`,
          ctrain: summarize([growth], 'MiB'),
          better: 'lower',
          target: { text: 'no leak (< 10% growth)', met: growth < at20.rssMiB * 0.1 },
        });
      } finally {
        await fleet.stop();
      }
      return rows;
    });
  },
};

interface Fleet {
  taskQueue: string;
  trainTaskQueue: string;
  generalPids: number[];
  stop: () => Promise<void>;
}

async function startFleet(stack: TestStack, generals: number): Promise<Fleet> {
  const taskQueue = uniqueId('bench-general');
  const trainTaskQueue = uniqueId('bench-train');
  const args = (role: string) => ['--role', role, '--task-queue', taskQueue, '--train-task-queue', trainTaskQueue];
  const children: ResultPromise[] = [];
  const stop = async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children);
  };
  try {
    children.push((await startWorkerProcess(stack, args('trainer'))).process);
    for (let i = 0; i < generals; i++) children.push((await startWorkerProcess(stack, args('general'))).process);
  } catch (error) {
    await stop();
    throw error;
  }
  return { taskQueue, trainTaskQueue, generalPids: children.slice(1).map((child) => child.pid!), stop };
}

/** `count` runs at once, each training with a seed of its own (no train-step cache hit); waits for all. */
async function runBatch(temporal: BenchTemporal, fleet: Fleet, count: number, firstSeed: number): Promise<PipelineRunResult[]> {
  const handles = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      temporal.client.workflow.start<typeof trainingPipelineWorkflow>('trainingPipelineWorkflow', {
        workflowId: uniqueId('bench-scale'),
        taskQueue: fleet.taskQueue,
        args: [{ pipeline: 'seattle-temperature', trainTaskQueue: fleet.trainTaskQueue, overrides: { training: { epochs: 10, earlyStopPatience: 0, seed: firstSeed + index } } }],
      }),
    ),
  );
  return Promise.all(handles.map((handle) => handle.result()));
}

/** Resident and peak resident memory of a process, from /proc. */
async function memory(pid: number): Promise<{ rssMiB: number; peakMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}
