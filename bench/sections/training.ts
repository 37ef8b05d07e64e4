/**
 * Training throughput: the shipped flight-delay MLP on each TensorFlow.js backend present, each
 * in its own process, against the same architecture, data, batch size and epochs in PyTorch on
 * the CPU with as many threads as there are cores.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainSpecOf } from '../../activities/train.js';
import { toMatrix } from '../../activities/feature.js';
import { labelOf } from '../../features/label.js';
import { splitRows } from '../../features/split.js';
import { fitTransform } from '../../features/transform.js';
import { featureWidth } from '../../features/feature-transform.js';
import { loadPipeline } from '../../pipelines/index.js';
import type { TableRow } from '../../tabular/index.js';
import { readRows } from '../../tabular/index.js';
import type { BenchRow, BenchSection } from '../contract.js';
import { repeat } from '../stats.js';
import { runChild, runPython } from '../support/child.js';
import { FLIGHTS } from '../support/datasets.js';

interface TrainResult {
  backend: string;
  detail?: string;
  samplesPerSecond: number;
  finalLoss: number;
}

const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export const training: BenchSection = {
  name: 'training',
  title: 'Training throughput',
  async run({ quick, python, log }) {
    const rowsWanted = quick ? 20_000 : 150_000;
    const epochs = quick ? 2 : 5;
    const times = quick ? 1 : 3;
    const dir = await mkdtemp(join(tmpdir(), 'ctrain-bench-train-'));
    try {
      const width = await writeMatrix(dir, rowsWanted);
      const peer = await repeat(times, 'samples/s', async () => (await runPython<TrainResult>(python, 'train_mlp.py', [dir, String(epochs)])).samplesPerSecond);
      log(`training: PyTorch ${peer.median.toFixed(0)} samples/s`);
      const rows: BenchRow[] = [];
      const unusable: string[] = [];
      for (const backend of BACKENDS) {
        const probe = await runChild<TrainResult>('train.ts', [dir, '2'], { CTRAIN_TF_BACKEND: backend }).catch((error: Error) => error);
        if (probe instanceof Error) {
          const reason = /BackendUnavailableError: .*cannot be used: (.*)/.exec(probe.message)?.[1] ?? probe.message.split('\n')[0];
          unusable.push(`${backend} (${reason})`);
          log(`training: backend ${backend} not usable here: ${reason}`);
          continue;
        }
        // The pure-JS cpu backend is two orders slower: one run says enough.
        const runs = backend === 'cpu' ? 1 : times;
        const measured = await repeat(runs, 'samples/s', async () => (await runChild<TrainResult>('train.ts', [dir, String(epochs)], { CTRAIN_TF_BACKEND: backend })).samplesPerSecond);
        log(`training: ${backend} ${measured.median.toFixed(0)} samples/s`);
        rows.push({
          section: 'training',
          name: `flight-delay MLP ${width}→32→16→1, batch 1024, ${rowsWanted.toLocaleString('en-US')} rows: TensorFlow.js ${backend}`,
          ctrain: measured,
          peer: { name: 'PyTorch CPU', ...peer },
          better: 'higher',
        });
      }
      const best = rows.reduce((a, b) => (b.ctrain.median > a.ctrain.median ? b : a));
      best.target = { text: '≥ 0.5× PyTorch on the best backend', met: best.ctrain.median >= peer.median * 0.5 };
      if (unusable.length > 0) best.note = `best backend here; not usable: ${unusable.join('; ')}`;
      return rows;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/** The training split of the first `limit` flights, transformed as the feature step does, for both trainers. */
async function writeMatrix(dir: string, limit: number): Promise<number> {
  const spec = loadPipeline('flight-delay', { source: { limit } });
  const all: TableRow[] = [];
  for await (const row of readRows(FLIGHTS, 'parquet', { limit })) if (labelOf(spec.label, row) !== undefined) all.push(row);
  const { train } = splitRows(all, spec.split);
  const transform = fitTransform(train, spec);
  const width = featureWidth(transform);
  const { features, labels } = toMatrix(transform, train, width);
  await writeFile(join(dir, 'features.f32'), features);
  await writeFile(join(dir, 'labels.f32'), labels);
  await writeFile(join(dir, 'meta.json'), JSON.stringify({ rows: train.length, width, spec: trainSpecOf(spec, train.length) }));
  return width;
}
