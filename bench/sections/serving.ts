/**
 * Serving: the model server (its own process, a real flight-delay version from MinIO) under
 * autocannon, single-row and 100-row requests: peak requests per second, then p50/p99 latency
 * at half that rate; against a bare fastify server answering a constant on the same route.
 */
import autocannon from 'autocannon';
import { readRows } from '../../tabular/index.js';
import type { TableRow } from '../../tabular/index.js';
import type { BenchRow, BenchSection, Measurement } from '../contract.js';
import { summarize } from '../stats.js';
import { FLIGHTS } from '../support/datasets.js';
import { trainFlightDelayVersion } from '../support/flight-version.js';
import { startServerProcess } from '../support/server-process.js';
import { withBenchStack } from '../support/stack.js';

const MODEL = 'flight-delay';
const CONNECTIONS = 16;

interface Load {
  rps: number;
  p50: number;
  p99: number;
}

export const serving: BenchSection = {
  name: 'serving',
  title: 'Serving',
  async run({ quick, log }) {
    const seconds = quick ? 3 : 15;
    const times = quick ? 1 : 3;
    return withBenchStack(async (stack, temporal) => {
      await trainFlightDelayVersion(stack, temporal, 'benchmark: serving');
      const flights: TableRow[] = [];
      for await (const row of readRows(FLIGHTS, 'parquet', { limit: 100 })) flights.push({ date: row.date ?? null, distance: row.distance ?? null, origin: row.origin ?? null, destination: row.destination ?? null });
      const bodies = { single: JSON.stringify({ row: flights[0] }), batch: JSON.stringify({ rows: flights }) };

      const rows: BenchRow[] = [];
      for (const [kind, body] of Object.entries(bodies) as ['single' | 'batch', string][]) {
        const ours = await measureServer('model-server.ts', [stack.minio.endpoint, stack.minio.accessKey, stack.minio.secretKey, MODEL], body, seconds, times);
        const bare = await measureServer('bare-server.ts', [], body, seconds, times);
        const what = `${kind === 'single' ? 'one row per request' : '100 rows per request'} (scored on ${ours.backend ?? 'an unreported backend'})`;
        log(`serving ${kind}: model server ${ours.peak.median.toFixed(0)} req/s, p99 ${ours.p99.median} ms at half peak; bare ${bare.peak.median.toFixed(0)} req/s, p99 ${bare.p99.median} ms`);
        rows.push(
          { section: 'serving', name: `${what}: peak throughput (${CONNECTIONS} connections)`, ctrain: ours.peak, peer: { name: 'bare fastify, constant answer', ...bare.peak }, better: 'higher', target: { text: '≥ 0.6× the bare server', met: ours.peak.median >= 0.6 * bare.peak.median }, ...(kind === 'batch' ? { note: `${(ours.peak.median * 100).toFixed(0)} rows/s` } : {}) },
          { section: 'serving', name: `${what}: p50 latency at half of peak`, ctrain: ours.p50, peer: { name: 'bare fastify at half of its peak', ...bare.p50 }, better: 'lower' },
          { section: 'serving', name: `${what}: p99 latency at half of peak`, ctrain: ours.p99, peer: { name: 'bare fastify at half of its peak', ...bare.p99 }, better: 'lower', target: { text: 'p99 < 10 ms', met: ours.p99.median < 10 } },
        );
      }
      return rows;
    });
  },
};

/** Peak rate over several runs, then latency at half the median peak, each run against a fresh server process. */
async function measureServer(file: string, args: string[], body: string, seconds: number, times: number): Promise<{ peak: Measurement; p50: Measurement; p99: Measurement; backend?: string }> {
  const peaks: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  const server = await startServerProcess(file, args);
  try {
    const target = `${server.url}/v1/models/${MODEL}/predict`;
    await load(target, body, 2); // warm-up: JIT, the model's first predictions
    for (let i = 0; i < times; i++) peaks.push((await load(target, body, seconds)).rps);
    const half = Math.round(summarize(peaks, '').median / 2);
    for (let i = 0; i < times; i++) {
      const steady = await load(target, body, seconds, half);
      p50s.push(steady.p50);
      p99s.push(steady.p99);
    }
  } finally {
    await server.stop();
  }
  return { peak: summarize(peaks, 'req/s'), p50: summarize(p50s, 'ms'), p99: summarize(p99s, 'ms'), backend: server.backend };
}

async function load(url: string, body: string, seconds: number, overallRate?: number): Promise<Load> {
  const result = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: CONNECTIONS, duration: seconds, ...(overallRate ? { overallRate } : {}) });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} answers were not 2xx and ${result.errors} requests failed under load`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}
