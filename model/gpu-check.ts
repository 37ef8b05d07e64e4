import * as tf from '@tensorflow/tfjs';
import type { BackendName } from './backend.js';
import { attemptBackend, BACKEND_NAMES, backendOrder, parseBackendNames, tfNameOf } from './backend.js';
import { TRIAL_MARGIN } from './backend-trial.js';
import { DenseTrainer } from './dense-trainer.js';
import { buildNetwork } from './network.js';
import { oneLine } from './webgpu.js';

/** What `ctrain gpu check` found out about one backend. */
export interface BackendCheck {
  name: BackendName;
  /** True when the backend initialised and ran here. */
  available: boolean;
  /** One line: why it is unavailable, or why a measurement failed on an available one. */
  reason?: string;
  /** The GPU it runs on: the WebGPU adapter's name, or the CUDA device for tensorflow-gpu. */
  device?: string;
  /** 1024×1024 float32 matMul throughput, GFLOP/s (2·n³ per product), results read back. */
  matmulGflops?: number;
  /** Training throughput of the MLP shape asked for: rows per second through forward, backward and Adam. */
  trainSamplesPerSecond?: number;
}

export interface CheckOptions {
  /** Seconds each measurement runs for, after a warm-up; default 1. */
  seconds?: number;
  /** Backends to check, in order; default all of them, best first. */
  backends?: readonly BackendName[];
  /** Hidden layer widths of the MLP timed; default the shipped flight-delay model's, [32, 16]. */
  hidden?: number[];
  /** Rows per training step; default the flight-delay spec's, 1024. */
  batchSize?: number;
  /** Input features; default 32. */
  features?: number;
}

const MATMUL_SIZE = 1024;

/** The shipped flight-delay model's shape (pipelines/flight-delay.ts), timed when no other is given. */
export const DEFAULT_CHECK_SHAPE = { hidden: [32, 16], batchSize: 1024, features: 32 } as const;

/**
 * Tries each backend in turn and, for each that works, times 1024×1024 matMuls and training
 * steps of an MLP. tfjs keeps every backend it initialised, so one process switches between
 * them; the two native packages exclude each other, which shows as a reason. Leaves tfjs on
 * the backend it was on, and no tensor behind.
 */
export async function checkBackends(options: CheckOptions = {}): Promise<BackendCheck[]> {
  const seconds = options.seconds ?? 1;
  const shape = {
    hidden: options.hidden ?? [...DEFAULT_CHECK_SHAPE.hidden],
    batchSize: options.batchSize ?? DEFAULT_CHECK_SHAPE.batchSize,
    features: options.features ?? DEFAULT_CHECK_SHAPE.features,
  };
  const order = options.backends ? parseBackendNames(options.backends, 'the backends to check') : BACKEND_NAMES;
  // The engine's field, not tf.getBackend(), which would initialise a backend when none is active yet.
  const previous = tf.engine().backendName as string | null;
  const checks: BackendCheck[] = [];
  try {
    for (const name of order) {
      const attempt = await attemptBackend(name);
      if (!attempt.ok) {
        checks.push({ name, available: false, reason: attempt.reason });
        continue;
      }
      const device = attempt.device ?? nativeGpuName(name);
      const check: BackendCheck = { name, available: true, ...(device ? { device } : {}) };
      try {
        check.matmulGflops = round(await matmulGflops(seconds));
        check.trainSamplesPerSecond = Math.round(await trainSamplesPerSecond(seconds, shape));
      } catch (error) {
        check.reason = `benchmark failed: ${oneLine(error)}`;
      }
      checks.push(check);
    }
  } finally {
    if (previous && tf.getBackend() !== previous) await tf.setBackend(previous);
  }
  return checks;
}

/** Which backend trained the shape fastest here, against the first one of the trainer's order. */
export interface BackendAdvice {
  fastest: BackendName;
  samplesPerSecond: number;
  /** The first available backend in the trainer's order (CTRAIN_TF_BACKEND and CTRAIN_TF_BACKENDS included). */
  firstInOrder: BackendName;
  /** One line: which is fastest for the shape, by how much, and what the trainer does about it. */
  text: string;
}

/**
 * Advice from measured step times: a small tabular network can train faster on the CPU than on
 * a GPU, so the order alone does not say which backend is fastest for the model at hand. The
 * trainer measures each model itself before it trains (model/backend-trial.ts); this says what
 * it will find for the shape checked. Undefined when nothing was measured.
 */
export function adviseBackend(checks: readonly BackendCheck[], env: NodeJS.ProcessEnv = process.env): BackendAdvice | undefined {
  const measured = checks.filter((check) => check.available && check.trainSamplesPerSecond !== undefined);
  if (measured.length === 0) return undefined;
  const fastest = measured.reduce((best, check) => (check.trainSamplesPerSecond! > best.trainSamplesPerSecond! ? check : best));
  const available = new Set(measured.map((check) => check.name));
  const { order, forced } = backendOrder(env);
  const first = measured.find((check) => check.name === order.find((name) => available.has(name))) ?? measured[0]!;
  const rate = (check: BackendCheck): string => `${check.trainSamplesPerSecond!.toLocaleString('en-US')} samples/s`;
  const speedUp = fastest.trainSamplesPerSecond! / first.trainSamplesPerSecond!;
  const what =
    first.name === fastest.name
      ? `fastest for this shape: ${fastest.name} (${rate(fastest)}), also first in the trainer's order`
      : `fastest for this shape: ${fastest.name} (${rate(fastest)}, ${speedUp.toFixed(1)}× ${first.name} at ${rate(first)}, which is first in the trainer's order)`;
  const then = forced
    ? `CTRAIN_TF_BACKEND forces ${first.name} on the trainer, unmeasured`
    : first.name === fastest.name || speedUp >= TRIAL_MARGIN
      ? `the trainer measures each model before it trains and would train this shape on ${fastest.name}`
      : `the trainer keeps ${first.name} unless another backend is ${TRIAL_MARGIN}× faster`;
  return { fastest: fastest.name, samplesPerSecond: fastest.trainSamplesPerSecond!, firstInOrder: first.name, text: `${what}; ${then}` };
}

/** Runs `step` for `seconds` after one warm-up call; returns completed units per second. */
async function timed(seconds: number, step: () => Promise<number>): Promise<number> {
  await step();
  let units = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    units += await step();
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < seconds);
  return units / elapsed;
}

async function matmulGflops(seconds: number): Promise<number> {
  const a = tf.randomNormal([MATMUL_SIZE, MATMUL_SIZE], 0, 1, 'float32', 1);
  const b = tf.randomNormal([MATMUL_SIZE, MATMUL_SIZE], 0, 1, 'float32', 2);
  try {
    const perSecond = await timed(seconds, async () => {
      const product = tf.matMul(a, b);
      try {
        // Reading the product back makes the time include the work a GPU queued.
        await product.data();
      } finally {
        product.dispose();
      }
      return 1;
    });
    return (perSecond * 2 * MATMUL_SIZE ** 3) / 1e9;
  } finally {
    tf.dispose([a, b]);
  }
}

async function trainSamplesPerSecond(seconds: number, shape: { hidden: number[]; batchSize: number; features: number }): Promise<number> {
  const layersModel = buildNetwork({ network: { kind: 'mlp', hidden: shape.hidden, dropout: 0 }, task: 'binary', inputWidth: shape.features, seed: 1 });
  // The trainer's own step, so the figure is what training would reach with this shape.
  const trainer = new DenseTrainer(layersModel, 'binary', 1e-3);
  const x = tf.randomNormal<tf.Rank.R2>([shape.batchSize, shape.features], 0, 1, 'float32', 3);
  const y = tf.tidy(() => tf.cast(tf.greater(tf.sum(x, 1, true), 0), 'float32')) as tf.Tensor2D;
  let batch = 0;
  try {
    return await timed(seconds, async () => {
      const loss = trainer.step(x, y, 1, batch++);
      try {
        // Reading the loss back makes the time include the work a GPU queued.
        if (!Number.isFinite((await loss.data())[0])) throw new Error('the training step gave a non-finite loss');
      } finally {
        loss.dispose();
      }
      return shape.batchSize;
    });
  } finally {
    tf.dispose([x, y]);
    trainer.dispose();
    layersModel.dispose();
  }
}

function nativeGpuName(name: BackendName): string | undefined {
  if (name !== 'tensorflow-gpu') return undefined;
  const backend = tf.findBackend(tfNameOf(name)) as { isUsingGpuDevice?: boolean } | null;
  return backend?.isUsingGpuDevice ? 'CUDA GPU (TensorFlow)' : undefined;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
