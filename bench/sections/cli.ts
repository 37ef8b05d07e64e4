/**
 * How fast the CLI answers: `ctrain --help` (which loads no command's dependencies) and
 * `ctrain models ls --json` against a running stack, beside the Temporal CLI's `temporal --help`,
 * the binary ctrain provisions. Wall time of the whole process, from spawn to exit.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import type { BenchRow, BenchSection, Measurement } from '../contract.js';
import { quantile, summarize } from '../stats.js';
import { withBenchStack } from '../support/stack.js';
import { PROJECT_ROOT } from '../../stack/paths.js';

const CTRAIN = [join(PROJECT_ROOT, 'bin', 'ctrain.js')];

/** Milliseconds from spawn to exit of one command; it must succeed. */
async function wallMs(file: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  const start = performance.now();
  await execa(file, args, { env, stdout: 'ignore' });
  return performance.now() - start;
}

async function times(runs: number, measure: () => Promise<number>): Promise<number[]> {
  await measure(); // warm-up: the build is current and the files are in the page cache
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await measure());
  return values;
}

/** A median row and a p95 row for one command, beside the peer's same quantiles. */
function rows(name: string, ctrain: number[], peerName: string, peer: number[], target?: (median: number) => BenchRow['target']): BenchRow[] {
  const at = (values: number[], q: number): Measurement => ({ ...summarize([quantile(values, q)], 'ms'), runs: values.length });
  return [
    { section: 'cli', name: `${name}, median`, ctrain: summarize(ctrain, 'ms'), peer: { name: `${peerName}, median`, ...summarize(peer, 'ms') }, better: 'lower', ...(target ? { target: target(quantile(ctrain, 0.5)) } : {}) },
    { section: 'cli', name: `${name}, p95`, ctrain: at(ctrain, 0.95), peer: { name: `${peerName}, p95`, ...at(peer, 0.95) }, better: 'lower' },
  ];
}

export const cli: BenchSection = {
  name: 'cli',
  title: 'CLI start-up',
  async run({ quick, log }) {
    const runs = quick ? 5 : 20;
    return withBenchStack(async (stack) => {
      const temporal = stack.tools.temporal;
      const peerHelp = await times(runs, () => wallMs(temporal, ['--help']));
      const help = await times(runs, () => wallMs(process.execPath, [...CTRAIN, '--help']));
      log(`ctrain --help median ${quantile(help, 0.5).toFixed(0)} ms, temporal --help ${quantile(peerHelp, 0.5).toFixed(0)} ms`);
      const env = { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress, CTRAIN_TEMPORAL_NAMESPACE: stack.namespace, CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint, CTRAIN_MINIO_ACCESS_KEY: stack.minio.accessKey, CTRAIN_MINIO_SECRET_KEY: stack.minio.secretKey };
      const ls = await times(runs, () => wallMs(process.execPath, [...CTRAIN, 'models', 'ls', '--json'], env));
      log(`ctrain models ls --json median ${quantile(ls, 0.5).toFixed(0)} ms`);
      return [
        ...rows('ctrain --help, wall time', help, 'temporal --help', peerHelp, (median) => ({ text: 'median < 300 ms', met: median < 300 })),
        ...rows('ctrain models ls --json (running stack), wall time', ls, 'temporal --help', peerHelp),
      ];
    });
  },
};
