/**
 * Data steps at scale: ingest + validate + feature on the first 100k, 1M and 3M real flights,
 * each run in a process of its own against real MinIO and DVC, against pandas doing the same
 * job (read, describe, standardise, one-hot) in the same run. Rows per second and peak memory.
 * Then the drift check's statistics over 3M reference and 300k live rows, beside pandas and scipy.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow, BenchSection } from '../contract.js';
import { summarize } from '../stats.js';
import { runChild, runPython } from '../support/child.js';
import { FLIGHTS } from '../support/datasets.js';
import { DRIFT_CATEGORICAL, DRIFT_NUMERIC, writeDriftInputs } from '../support/drift-inputs.js';
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
      rows.push(await driftRow(quick, python, log));
      return rows;
    });
  },
};

interface DriftResult {
  seconds: number;
  phases: Record<string, number>;
  liveRows: number;
  psi: Record<string, number>;
  peakRssMiB: number;
}

/** The drift check's statistics over a large reference and a month of logged traffic, beside pandas and scipy computing the same ones. */
async function driftRow(quick: boolean, python: string, log: (line: string) => void): Promise<BenchRow> {
  const [referenceRows, liveRows] = quick ? [300_000, 30_000] : [3_000_000, 300_000];
  const dir = await mkdtemp(join(tmpdir(), 'ctrain-bench-drift-'));
  try {
    const { reference, live } = await writeDriftInputs(dir, referenceRows, liveRows);
    const args = [reference, live, DRIFT_NUMERIC.join(','), DRIFT_CATEGORICAL.join(',')];
    const ours: DriftResult[] = [];
    const theirs: DriftResult[] = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      ours.push(await runChild<DriftResult>('drift-check.ts', args));
      theirs.push(await runPython<DriftResult>(python, 'drift_check.py', args));
      log(`drift: ctrain ${ours.at(-1)!.seconds.toFixed(2)} s (${phases(ours.at(-1)!)}), peak ${ours.at(-1)!.peakRssMiB.toFixed(0)} MiB; pandas/scipy ${theirs.at(-1)!.seconds.toFixed(2)} s (${phases(theirs.at(-1)!)}), peak ${theirs.at(-1)!.peakRssMiB.toFixed(0)} MiB`);
    }
    // The same statistics, or the comparison means nothing: PSI agrees to the fourth decimal (the peer's sample for KS differs).
    const disagree = Object.entries(ours[0]!.psi).filter(([name, value]) => !(Math.abs(value - (theirs[0]!.psi[name] ?? Number.NaN)) < 1e-4));
    if (disagree.length > 0) throw new Error(`drift: ctrain and the peer disagree on PSI for ${disagree.map(([name]) => name).join(', ')}: ${JSON.stringify({ ctrain: ours[0]!.psi, peer: theirs[0]!.psi })}`);
    const time = summarize(ours.map((r) => r.seconds), 's');
    return {
      section: 'data',
      name: `drift check, ${referenceRows.toLocaleString('en-US')} reference × ${liveRows.toLocaleString('en-US')} live rows, every feature: time`,
      ctrain: time,
      peer: { name: 'pandas + scipy', ...summarize(theirs.map((r) => r.seconds), 's') },
      better: 'lower',
      target: { text: '< 2 s', met: time.median < 2 },
      note: `${DRIFT_NUMERIC.length} numeric and ${DRIFT_CATEGORICAL.length} categorical features and the scores: PSI, KS, chi-square, Jensen–Shannon; ctrain ${phases(ours[0]!)}, peak ${ours[0]!.peakRssMiB.toFixed(0)} MiB; pandas ${phases(theirs[0]!)}, peak ${theirs[0]!.peakRssMiB.toFixed(0)} MiB`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const phases = (result: { phases: Record<string, number> }): string => Object.entries(result.phases).map(([step, seconds]) => `${step} ${seconds.toFixed(1)} s`).join(', ');
