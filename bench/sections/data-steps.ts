/**
 * Data steps at scale: ingest + validate + feature on the first 100k, 1M and 3M real flights,
 * each run in a process of its own against real MinIO and DVC, against pandas doing the same
 * job (read, describe, standardise, one-hot) in the same run. Rows per second and peak memory.
 */
import { randomUUID } from 'node:crypto';
import type { BenchRow, BenchSection } from '../contract.js';
import { summarize } from '../stats.js';
import { runChild, runPython } from '../support/child.js';
import { FLIGHTS } from '../support/datasets.js';
import { withBenchStack } from '../support/stack.js';

interface DataStepsResult {
  rows: number;
  seconds: number;
  phases: Record<string, number>;
  rowsPerSecond: number;
  peakRssMiB: number;
}

export const dataSteps: BenchSection = {
  name: 'data',
  title: 'Data steps at scale',
  async run({ quick, python, log }) {
    const sizes = quick ? [20_000, 60_000] : [100_000, 1_000_000, 3_000_000];
    const times = quick ? 1 : 3;
    return withBenchStack(async (stack) => {
      const rows: BenchRow[] = [];
      for (const size of sizes) {
        const ours: DataStepsResult[] = [];
        const theirs: DataStepsResult[] = [];
        // The biggest size takes minutes per run: fewer repeats there.
        const repeats = size >= 3_000_000 ? Math.min(times, 2) : times;
        for (let i = 0; i < repeats; i++) {
          ours.push(await runChild<DataStepsResult>('data-steps.ts', [String(size), stack.minio.endpoint, stack.minio.accessKey, stack.minio.secretKey, stack.tools.dvc, `bench-data-${randomUUID().slice(0, 8)}`]));
          theirs.push(await runPython<DataStepsResult>(python, 'data_steps.py', [FLIGHTS, String(size)]));
          log(`data: ${size} rows: ctrain ${ours.at(-1)!.rowsPerSecond.toFixed(0)} rows/s (${phases(ours.at(-1)!)}), peak ${ours.at(-1)!.peakRssMiB.toFixed(0)} MiB; pandas ${theirs.at(-1)!.rowsPerSecond.toFixed(0)} rows/s (${phases(theirs.at(-1)!)}), peak ${theirs.at(-1)!.peakRssMiB.toFixed(0)} MiB`);
        }
        const label = size.toLocaleString('en-US');
        const rate = summarize(ours.map((r) => r.rowsPerSecond), 'rows/s');
        const peerRate = summarize(theirs.map((r) => r.rowsPerSecond), 'rows/s');
        rows.push({
          section: 'data',
          name: `ingest + validate + feature, ${label} flights: throughput`,
          ctrain: rate,
          peer: { name: 'pandas + pyarrow', ...peerRate },
          better: 'higher',
          target: { text: '≥ 3× pandas', met: rate.median >= 3 * peerRate.median },
          note: `ctrain ${phases(ours[0]!)}; pandas ${phases(theirs[0]!)}`,
        });
        const peak = summarize(ours.map((r) => r.peakRssMiB), 'MiB');
        const peerPeak = summarize(theirs.map((r) => r.peakRssMiB), 'MiB');
        rows.push({
          section: 'data',
          name: `ingest + validate + feature, ${label} flights: peak memory of the process`,
          ctrain: peak,
          peer: { name: 'pandas + pyarrow', ...peerPeak },
          better: 'lower',
          target: { text: '≤ pandas', met: peak.median <= peerPeak.median },
        });
      }
      return rows;
    });
  },
};

const phases = (result: DataStepsResult): string => Object.entries(result.phases).map(([step, seconds]) => `${step} ${seconds.toFixed(1)} s`).join(', ');
