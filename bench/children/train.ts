/**
 * One training benchmark on one TensorFlow.js backend (CTRAIN_TF_BACKEND), in its own process:
 * the shipped flight-delay MLP on the matrix the parent wrote. Prints samples per second over
 * the epochs after the first (the first pays for kernel compilation and warm-up).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trainNetwork } from '../../model/index.js';
import type { TrainSpec } from '../../model/index.js';

const [dir, epochsArg] = process.argv.slice(2);
const meta = JSON.parse(await readFile(join(dir!, 'meta.json'), 'utf8')) as { rows: number; width: number; spec: TrainSpec };
const features = new Float32Array((await readFile(join(dir!, 'features.f32'))).buffer.slice(0));
const labels = new Float32Array((await readFile(join(dir!, 'labels.f32'))).buffer.slice(0));
const epochs = Number(epochsArg);
const spec: TrainSpec = { ...meta.spec, epochs, earlyStopPatience: 0 };
const stamps: number[] = [performance.now()];
const result = await trainNetwork({ data: { train: { features, labels, rows: meta.rows, width: meta.width } }, spec, onEpoch: () => void stamps.push(performance.now()) });
const afterFirst = (stamps.at(-1)! - stamps[1]!) / 1000;
console.log(JSON.stringify({ backend: result.backend.name, detail: result.backend.detail, samplesPerSecond: (meta.rows * (epochs - 1)) / afterFirst, finalLoss: result.history.at(-1)?.loss }));
