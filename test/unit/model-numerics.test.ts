import { describe, expect, it } from 'vitest';
import type { BackendName } from '../../model/backend.js';
import { binaryMetrics, regressionMetrics } from '../../model/metrics.js';
import { predict } from '../../model/predict.js';
import { trainNetwork } from '../../model/train.js';
import type { TrainData, TrainSpec } from '../../model/types.js';
import { registerWebGpu } from '../../model/webgpu.js';
import { nativeTensorflowExpected } from '../support/native-backend.js';
import { synthetic } from '../support/synthetic-data.js';

const binary: TrainData = { train: synthetic(2000, 10, 31), validation: synthetic(400, 10, 32) };
const binaryTest = synthetic(1000, 10, 33);
const regression: TrainData = { train: synthetic(2000, 6, 34, 'regression'), validation: synthetic(400, 6, 35, 'regression') };
const regressionTest = synthetic(1000, 6, 36, 'regression');
const spec: TrainSpec = {
  task: 'binary',
  network: { kind: 'mlp', hidden: [32, 16], dropout: 0.1 },
  epochs: 6,
  batchSize: 64,
  learningRate: 0.01,
  earlyStopPatience: 0,
  seed: 17,
};

interface Outcome {
  backend: string;
  loss: number;
  valLoss: number;
  metric: number;
}

async function trainOn(backend: BackendName, task: 'binary' | 'regression'): Promise<Outcome> {
  const data = task === 'binary' ? binary : regression;
  const test = task === 'binary' ? binaryTest : regressionTest;
  const result = await trainNetwork({ data, spec: { ...spec, task }, backends: [backend] });
  const scores = predict(result.layersModel, test.features, test.rows, test.width);
  result.layersModel.dispose();
  const last = result.history.at(-1);
  const metric = task === 'binary' ? binaryMetrics(test.labels, scores).auc : regressionMetrics(test.labels, scores).rmse;
  return { backend: result.backend.name, loss: last?.loss ?? Number.NaN, valLoss: last?.valLoss ?? Number.NaN, metric };
}

/**
 * Same seed, same data, same row order, same dropout masks: backends differ only in float32
 * rounding (summation order inside matMul and reductions, XNNPACK's kernels on wasm, shader
 * arithmetic with fused multiply-add and approximate exp/log on a GPU), which compounds over
 * 6 epochs × 32 Adam steps. Measured wasm vs cpu: ≤ 3e-7 relative on every loss and metric, so
 * their tolerance, 1e-4, leaves 300× room and still catches any kernel that computes something
 * else. A GPU's shaders round differently at every step, so webgpu gets 1% relative on losses
 * and RMSE and 0.005 on AUC: far below what a wrong kernel gives (a broken gradient leaves the
 * binary loss near ln 2 ≈ 0.69 and AUC near 0.5, against ~0.12 and ~0.99 here).
 */
function expectClose(a: Outcome, b: Outcome, task: 'binary' | 'regression', relative: number, auc: number): void {
  expect(a.backend).not.toBe(b.backend);
  expect(Math.abs(a.loss - b.loss) / b.loss).toBeLessThan(relative);
  expect(Math.abs(a.valLoss - b.valLoss) / b.valLoss).toBeLessThan(relative);
  if (task === 'binary') expect(Math.abs(a.metric - b.metric)).toBeLessThan(auc);
  else expect(Math.abs(a.metric - b.metric) / b.metric).toBeLessThan(relative);
}

const webgpu = await registerWebGpu();

describe('the same model trained on two backends', () => {
  it.each(['binary', 'regression'] as const)('%s: wasm and cpu end with the same loss and metric within tolerance', async (task) => {
    const wasm = await trainOn('wasm', task);
    const cpu = await trainOn('cpu', task);
    // The model did learn, so agreeing is not agreeing on noise.
    if (task === 'binary') expect(wasm.metric).toBeGreaterThan(0.9);
    else expect(wasm.metric).toBeLessThan(0.5);
    expectClose(cpu, wasm, task, 1e-4, 1e-4);
  });

  // Native TensorFlow (Eigen's kernels) sums in its own order too: held to the tolerance of wasm vs cpu.
  it.skipIf(!nativeTensorflowExpected()).each(['binary', 'regression'] as const)('%s: native tensorflow and wasm end with the same loss and metric within tolerance', async (task) => {
    const wasm = await trainOn('wasm', task);
    const native = await trainOn('tensorflow', task);
    expectClose(native, wasm, task, 1e-4, 1e-4);
  });

  it.skipIf(!webgpu.ok)(`binary: webgpu and wasm agree within tolerance${webgpu.ok ? ` (on ${webgpu.device})` : ` — skipped: ${webgpu.ok ? '' : webgpu.reason}`}`, async () => {
    const wasm = await trainOn('wasm', 'binary');
    const gpu = await trainOn('webgpu', 'binary');
    expect(wasm.metric).toBeGreaterThan(0.9);
    expectClose(gpu, wasm, 'binary', 0.01, 0.005);
  });
});
