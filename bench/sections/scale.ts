/**
 * Scale: seattle-temperature pipeline runs (each ingests, validates, features, trains with a
 * seed of its own and evaluates) completed per minute with 1, 2 and 4 general worker processes
 * and one trainer process, on the embedded topology and on the production one, each with the
 * share of the machine's CPU every process took, which names the limit; then 100 runs on one
 * general worker, whose memory is read from /proc before, during and after (a leak shows as
 * growth between run 20 and run 100).
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { ResultPromise } from 'execa';
import type { PipelineRunResult } from '../../contracts/pipeline-run.js';
import { uniqueId } from '../../harness/temporal.js';
import { startWorkerProcess } from '../../harness/worker-process.js';
import type { TestStack } from '../../harness/test-stack.js';
import type { Topology } from '../../stack/local-stack.js';
import { readState } from '../../stack/local-stack.js';
import type { trainingPipelineWorkflow } from '../../workflows/training-pipeline.js';
import type { BenchRow, BenchSection } from '../contract.js';
import { summarize } from '../stats.js';
import { cpuShares, sampleCpu } from '../support/cpu-share.js';
import type { BenchTemporal } from '../support/stack.js';
import { withBenchStack } from '../support/stack.js';

const WORKER_COUNTS = [1, 2, 4];
const TOPOLOGIES: Topology[] = ['embedded', 'production'];
// At this share of the machine busy the cores are the limit: the rest is time between steps, when every run waits on a round trip.
const SATURATED = 0.8;

export const scale: BenchSection = {
  name: 'scale',
  title: 'Scale with workers',
  async run({ quick, log }) {
    const runsPerCount = quick ? 6 : 24;
    const rows: BenchRow[] = [];
    for (const topology of TOPOLOGIES) {
      rows.push(
        ...(await withBenchStack(async (stack, temporal) => {
          const throughput = await throughputRows(stack, temporal, topology, runsPerCount, log);
          // The memory rows on the embedded stack, after its throughput runs, as they always were measured.
          return topology === 'embedded' ? [...throughput, ...(await memoryRows(stack, temporal, quick ? 12 : 100, log))] : throughput;
        }, topology)),
      );
    }
    return rows;
  },
};

/** Runs per minute with 1, 2 and 4 general workers on one topology, with where the CPU went during each. */
async function throughputRows(stack: TestStack, temporal: BenchTemporal, topology: Topology, runsPerCount: number, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const services = (await readState(stack.home))?.services ?? [];
  let seed = 0;
  const perMinute: number[] = [];
  for (const count of WORKER_COUNTS) {
    const fleet = await startFleet(stack, count);
    let shares: ReturnType<typeof cpuShares>;
    try {
      await runBatch(temporal, fleet, 2, seed); // warm-up: bundles, caches, the reference schema
      seed += 2;
      const before = await sampleCpu();
      await runBatch(temporal, fleet, runsPerCount, seed);
      const after = await sampleCpu();
      seed += runsPerCount;
      perMinute.push(runsPerCount / ((after.at - before.at) / 60_000));
      shares = cpuShares(before, after, [
        ...services.map((service) => ({ name: service.name === 'temporal' && topology === 'embedded' ? 'temporal dev server' : service.name, pids: [service.pid] })),
        { name: `general worker${count > 1 ? 's' : ''}`, pids: fleet.generalPids },
        { name: 'trainer', pids: [fleet.trainerPid] },
        { name: 'bench client', pids: [process.pid], alone: true },
      ]);
      log(`scale (${topology}): ${count} general worker(s): ${perMinute.at(-1)!.toFixed(1)} runs/min; ${describeShares(shares)}`);
    } finally {
      await fleet.stop();
    }
    rows.push({
      section: 'scale',
      name: `seattle-temperature pipeline runs completed per minute, ${topology} topology, ${count} general worker process${count > 1 ? 'es' : ''} + 1 trainer (${runsPerCount} runs in flight)`,
      ctrain: summarize([perMinute.at(-1)!], 'runs/min'),
      better: 'higher',
      note: `${count > 1 ? `${(perMinute.at(-1)! / perMinute[0]!).toFixed(2)}× one worker; ` : ''}${describeShares(shares)}; limit: ${limitOf(shares)}`,
    });
  }
  return rows;
}

/** Where the machine's CPU went, largest first. */
function describeShares({ shares, machine }: ReturnType<typeof cpuShares>): string {
  const parts = Object.entries(shares).sort(([, a], [, b]) => b - a).map(([name, share]) => `${name} ${percent(share)}`);
  return `CPU share of the machine's ${availableParallelism()} cores: ${parts.join(', ')}; machine busy ${percent(machine)}`;
}

/**
 * The limit the shares name. With the cores all but saturated (between runs some always wait on a
 * round trip) the machine is the limit, and the shares say who used it; Temporal with its
 * persistence and MinIO are named with theirs, so a team sees whether they would be next.
 */
function limitOf({ shares, machine }: ReturnType<typeof cpuShares>): string {
  const [top, share] = Object.entries(shares).sort(([, a], [, b]) => b - a)[0] ?? ['', 0];
  const temporal = Object.entries(shares).filter(([name]) => name.startsWith('temporal') || name === 'postgresql').reduce((sum, [, value]) => sum + value, 0);
  const others = `Temporal and its persistence ${percent(temporal)}, MinIO ${percent(shares.minio ?? 0)}`;
  if (machine >= SATURATED) return `this machine's ${availableParallelism()} cores (busy ${percent(machine)}), most of them taken by the ${top} (${percent(share)}); ${others}`;
  return `not CPU (machine ${percent(1 - machine)} idle): steps wait on round trips; ${others}`;
}

const percent = (share: number): string => `${Math.round(share * 100)}%`;

/** 100 runs on one general worker, whose memory is read from /proc before, during and after. */
async function memoryRows(stack: TestStack, temporal: BenchTemporal, memoryRuns: number, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  let seed = 0;
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
}

interface Fleet {
  taskQueue: string;
  trainTaskQueue: string;
  generalPids: number[];
  trainerPid: number;
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
  return { taskQueue, trainTaskQueue, generalPids: children.slice(1).map((child) => child.pid!), trainerPid: children[0]!.pid!, stop };
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
