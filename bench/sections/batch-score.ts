/**
 * Batch scoring: `ctrain score` over the 3 million real flights with a flight-delay version, the
 * workflow's chunks served by 1 and then 2 `ctrain worker` processes, against one Node process
 * scoring the same rows with the same code and no Temporal. Rows per second, wall clock from
 * the start request to the result (planning included).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchScoreResult } from '../../contracts/batch-score.js';
import { startBatchScore, waitForBatchScore } from '../../clients/batch-client.js';
import type { TableRow } from '../../tabular/index.js';
import { readRows } from '../../tabular/index.js';
import { toParquet } from '../../tabular/write.js';
import { uniqueId } from '../../harness/temporal.js';
import type { TestStack } from '../../harness/test-stack.js';
import { startWorkerProcess } from '../../harness/worker-process.js';
import type { BenchRow, BenchSection } from '../contract.js';
import { summarize } from '../stats.js';
import { runChild } from '../support/child.js';
import { FLIGHTS } from '../support/datasets.js';
import { trainFlightDelayVersion } from '../support/flight-version.js';
import type { BenchTemporal } from '../support/stack.js';
import { withBenchStack } from '../support/stack.js';

const MODEL = 'flight-delay';

interface OneProcessResult {
  /** The TensorFlow.js backend it scored on (the workers on this machine pick the same). */
  backend: string;
  rows: number;
  scored: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMiB: number;
}

export const batchScore: BenchSection = {
  name: 'batch',
  title: 'Batch scoring',
  async run({ quick, log }) {
    const times = quick ? 1 : 2;
    const workspace = await mkdtemp(join(tmpdir(), 'ctrain-bench-batch-'));
    try {
      const input = quick ? await firstFlights(workspace, 200_000) : FLIGHTS;
      return await withBenchStack(async (stack, temporal) => {
        const version = await trainFlightDelayVersion(stack, temporal, 'benchmark: batch scoring');
        const rows: BenchRow[] = [];
        const baseline: OneProcessResult[] = [];
        for (let i = 0; i < times; i++) {
          baseline.push(await runChild<OneProcessResult>('batch-score.ts', [stack.minio.endpoint, stack.minio.accessKey, stack.minio.secretKey, MODEL, String(version), input, `bench-batch-${randomUUID().slice(0, 8)}`]));
          log(`batch: one process: ${baseline.at(-1)!.rows} rows in ${baseline.at(-1)!.seconds.toFixed(1)} s, ${baseline.at(-1)!.rowsPerSecond.toFixed(0)} rows/s, peak ${baseline.at(-1)!.peakRssMiB.toFixed(0)} MiB`);
        }
        const expected = baseline[0]!.rows;
        const peer = { name: 'one process, same code, no Temporal', ...summarize(baseline.map((run) => run.rowsPerSecond), 'rows/s') };
        for (const workers of [1, 2]) {
          const runs: { rowsPerSecond: number; scoringRowsPerSecond: number; result: BatchScoreResult }[] = [];
          for (let i = 0; i < times; i++) {
            const run = await scoreWithWorkers(stack, temporal, workers, { input, version });
            if (run.result.rows !== expected || run.result.scored + run.result.rejected !== expected) throw new Error(`batch score with ${workers} workers scored ${run.result.scored} and rejected ${run.result.rejected} of ${run.result.rows} rows; the input has ${expected}`);
            runs.push(run);
            log(`batch: ${workers} worker(s): ${run.result.rows} rows in ${run.seconds.toFixed(1)} s, ${run.rowsPerSecond.toFixed(0)} rows/s (planning ${run.result.planSeconds.toFixed(1)} s; after it ${run.scoringRowsPerSecond.toFixed(0)} rows/s over ${run.result.chunks} chunks)`);
          }
          const label = expected.toLocaleString('en-US');
          rows.push({
            section: 'batch',
            name: `ctrain score, ${label} flights, ${workers} worker process${workers > 1 ? 'es' : ''}: throughput, planning included`,
            ctrain: summarize(runs.map((run) => run.rowsPerSecond), 'rows/s'),
            peer,
            better: 'higher',
            note: `scored on ${baseline[0]!.backend}; after planning (median ${summarize(runs.map((run) => run.result.planSeconds), '').median.toFixed(1)} s) ${summarize(runs.map((run) => run.scoringRowsPerSecond), '').median.toFixed(0)} rows/s; ${runs[0]!.result.chunks} chunks of a Parquet input, 4 at a time, Parquet output in MinIO`,
          });
        }
        return rows;
      });
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  },
};

/** One batch score of `input` served by `count` fresh `ctrain worker --role general` processes on a queue of their own. */
async function scoreWithWorkers(stack: TestStack, temporal: BenchTemporal, count: number, { input, version }: { input: string; version: number }): Promise<{ result: BatchScoreResult; seconds: number; rowsPerSecond: number; scoringRowsPerSecond: number }> {
  const taskQueue = uniqueId('bench-batch');
  const workers = await Promise.all(Array.from({ length: count }, () => startWorkerProcess(stack, ['--role', 'general', '--task-queue', taskQueue])));
  try {
    const started = performance.now();
    const handle = await startBatchScore(temporal.client, { modelName: MODEL, version, input, output: `s3://bench-batch-${randomUUID().slice(0, 8)}/out` }, { taskQueue });
    const result = await waitForBatchScore(handle);
    const seconds = (performance.now() - started) / 1000;
    // Scoring and finishing, from the workflow's own clock: the part more workers can speed up.
    return { result, seconds, rowsPerSecond: result.rows / seconds, scoringRowsPerSecond: result.rows / (result.seconds - result.planSeconds) };
  } finally {
    for (const worker of workers) worker.process.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.process));
  }
}

/** The first `count` flights as a Parquet file of their own (--quick). */
async function firstFlights(workspace: string, count: number): Promise<string> {
  const flights: TableRow[] = [];
  for await (const row of readRows(FLIGHTS, 'parquet', { limit: count })) flights.push(row);
  const path = join(workspace, `flights-${count}.parquet`);
  const columns = Object.entries(flights[0]!).map(([name, cell]) => ({ name, type: typeof cell === 'number' ? ('number' as const) : ('string' as const) }));
  await writeFile(path, toParquet(flights, columns));
  return path;
}
