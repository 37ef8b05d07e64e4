/**
 * Serving: the model server (its own process, a real flight-delay version from MinIO) under
 * autocannon, single-row and 100-row requests: peak requests per second, then p50/p99 latency
 * at half that rate; beside a bare fastify server answering a constant on the same route (the
 * ceiling) and what a user would run instead, FastAPI on uvicorn scoring the same network and
 * transform with PyTorch after checking the same fields (bench/peers/serve_fastapi.py). The two
 * must give the same scores for the same rows, or the comparison means nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { readRows } from '../../tabular/index.js';
import type { TableRow } from '../../tabular/index.js';
import type { BenchRow, BenchSection, Measurement } from '../contract.js';
import { summarize } from '../stats.js';
import { FLIGHTS } from '../support/datasets.js';
import { trainFlightDelayVersion } from '../support/flight-version.js';
import { writePeerModel } from '../support/peer-model.js';
import type { ServerProcess } from '../support/server-process.js';
import { startPythonServer, startServerProcess } from '../support/server-process.js';
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
  async run({ quick, python, log }) {
    const seconds = quick ? 3 : 15;
    const times = quick ? 1 : 3;
    const dir = await mkdtemp(join(tmpdir(), 'ctrain-bench-serving-'));
    try {
      return await withBenchStack(async (stack, temporal) => {
        const version = await trainFlightDelayVersion(stack, temporal, 'benchmark: serving');
        const peerModel = await writePeerModel(stack, MODEL, version, dir);
        const flights: TableRow[] = [];
        for await (const row of readRows(FLIGHTS, 'parquet', { limit: 100 })) flights.push({ date: row.date ?? null, distance: row.distance ?? null, origin: row.origin ?? null, destination: row.destination ?? null });
        const bodies = { single: JSON.stringify({ row: flights[0] }), batch: JSON.stringify({ rows: flights }) };
        const servers = {
          ctrain: () => startServerProcess('model-server.ts', [stack.minio.endpoint, stack.minio.accessKey, stack.minio.secretKey, MODEL]),
          bare: () => startServerProcess('bare-server.ts', []),
          fastapi: () => startPythonServer(python, 'serve_fastapi.py', [peerModel.network, peerModel.transform]),
        };

        const rows: BenchRow[] = [];
        for (const [kind, body] of Object.entries(bodies) as ['single' | 'batch', string][]) {
          const ours = await measureServer(servers.ctrain, body, seconds, times, bodies.batch);
          const bare = await measureServer(servers.bare, body, seconds, times);
          const fastapi = await measureServer(servers.fastapi, body, seconds, times, bodies.batch);
          sameScores(ours.scores!, fastapi.scores!);
          const rowsPerRequest = kind === 'single' ? 1 : flights.length;
          const what = `${kind === 'single' ? 'one row per request' : '100 rows per request'} (scored on ${ours.backend ?? 'an unreported backend'})`;
          log(`serving ${kind}: model server ${ours.peak.median.toFixed(0)} req/s, p99 ${ours.p99.median} ms at half peak; bare ${bare.peak.median.toFixed(0)} req/s, p99 ${bare.p99.median} ms; FastAPI + PyTorch ${fastapi.peak.median.toFixed(0)} req/s, p99 ${fastapi.p99.median} ms`);
          const perRow = (m: Measurement): Measurement => ({ ...m, median: m.median * rowsPerRequest, min: m.min * rowsPerRequest, max: m.max * rowsPerRequest, unit: 'rows/s' });
          rows.push(
            {
              section: 'serving',
              name: `${what}: peak throughput (${CONNECTIONS} connections)`,
              ctrain: ours.peak,
              peer: { name: 'bare fastify, constant answer', ...bare.peak },
              better: 'higher',
              // The bare server is the ceiling one-row requests are held to; a 100-row request is work the constant answer skips.
              ...(kind === 'single' ? { target: { text: '≥ 0.6× the bare server', met: ours.peak.median >= 0.6 * bare.peak.median } } : { note: `${(ours.peak.median * rowsPerRequest).toFixed(0)} rows/s` }),
            },
            {
              section: 'serving',
              name: `${what}: rows scored per second at peak`,
              ctrain: perRow(ours.peak),
              peer: { name: 'FastAPI + uvicorn + PyTorch, same network, same checks', ...perRow(fastapi.peak) },
              better: 'higher',
              target: { text: '≥ 2× FastAPI + PyTorch', met: ours.peak.median >= 2 * fastapi.peak.median },
              note: `the peer's scores of the 100 rows agree with ctrain's within 1e-5; its p99 at half of its own peak: ${fastapi.p99.median} ms`,
            },
            { section: 'serving', name: `${what}: p50 latency at half of peak`, ctrain: ours.p50, peer: { name: 'bare fastify at half of its peak', ...bare.p50 }, better: 'lower' },
            { section: 'serving', name: `${what}: p99 latency at half of peak`, ctrain: ours.p99, peer: { name: 'bare fastify at half of its peak', ...bare.p99 }, better: 'lower', target: { text: 'p99 < 10 ms', met: ours.p99.median < 10 } },
          );
        }
        return rows;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/**
 * Peak rate over several runs, then latency at half the median peak, against one server process
 * started for the purpose. With `scoreBody`, first the scores it answers for that body.
 */
async function measureServer(start: () => Promise<ServerProcess>, body: string, seconds: number, times: number, scoreBody?: string): Promise<{ peak: Measurement; p50: Measurement; p99: Measurement; backend?: string; scores?: number[] }> {
  const peaks: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  const server = await start();
  let scores: number[] | undefined;
  try {
    const target = `${server.url}/v1/models/${MODEL}/predict`;
    if (scoreBody) scores = await scoresOf(target, scoreBody);
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
  return { peak: summarize(peaks, 'req/s'), p50: summarize(p50s, 'ms'), p99: summarize(p99s, 'ms'), backend: server.backend, ...(scores ? { scores } : {}) };
}

async function scoresOf(url: string, body: string): Promise<number[]> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return (JSON.parse(text) as { predictions: { score: number }[] }).predictions.map(({ score }) => score);
}

/** ctrain and the peer score the same rows alike (float32 networks: within 1e-5), or their speeds are not comparable. */
function sameScores(ours: readonly number[], peer: readonly number[]): void {
  const apart = ours.findIndex((score, i) => !(Math.abs(score - (peer[i] ?? Number.NaN)) <= 1e-5));
  if (ours.length !== peer.length || apart >= 0) throw new Error(`serving: the FastAPI peer's scores differ from ctrain's (row ${apart}: ${ours[apart]} against ${peer[apart]}, ${ours.length} and ${peer.length} scores)`);
}

async function load(url: string, body: string, seconds: number, overallRate?: number): Promise<Load> {
  const result = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: CONNECTIONS, duration: seconds, ...(overallRate ? { overallRate } : {}) });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} answers were not 2xx and ${result.errors} requests failed under load`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}
