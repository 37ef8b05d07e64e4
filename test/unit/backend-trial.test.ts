import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../../model/backend.js';
import { BACKEND_ENV } from '../../model/backend.js';
import { BACKEND_TRIAL_ENV, selectBackendByTrial, TRIAL_MARGIN } from '../../model/backend-trial.js';
import { trainNetwork } from '../../model/train.js';
import type { TrainData } from '../../model/types.js';
import { nativeTensorflowExpected } from '../support/native-backend.js';

const native = nativeTensorflowExpected();
/** Two real CPU backends where set-up built the native one; wasm and the pure-JS one elsewhere. */
const PAIR: BackendName[] = native ? ['tensorflow', 'wasm'] : ['wasm', 'cpu'];

/** A trial with fixed step times, recording which backends it was asked to time. */
function fixedTrial(msPerStep: Partial<Record<BackendName, number>>) {
  const asked: BackendName[] = [];
  const trial = (name: BackendName): Promise<number> => {
    asked.push(name);
    // The backend the trial runs on is the one tfjs has active.
    expect(tf.getBackend()).toBe(name === 'tensorflow-gpu' ? 'tensorflow' : name);
    const ms = msPerStep[name];
    return ms === undefined ? Promise.reject(new Error(`out of memory on ${name}`)) : Promise.resolve(ms);
  };
  return { trial, asked };
}

describe('choosing the training backend by measured step time', () => {
  it.skipIf(!native)('trains on the backend whose measured step is faster, though it comes later in the order, and says why', async () => {
    const { trial, asked } = fixedTrial({ tensorflow: 9, wasm: 1.5 });
    const choice = await selectBackendByTrial(trial, ['tensorflow', 'wasm', 'cpu'], {});
    expect(asked).toEqual(['tensorflow', 'wasm']);
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.measured).toEqual([
      { name: 'tensorflow', msPerStep: 9 },
      { name: 'wasm', msPerStep: 1.5 },
    ]);
    expect(choice.detail).toContain('measured for this model, ms a step: tensorflow 9.0, wasm 1.5; tensorflow was first in the order');
  });

  it.skipIf(!native)(`keeps the order's pick unless another is ${TRIAL_MARGIN}× faster, so noise does not flip the choice`, async () => {
    const { trial } = fixedTrial({ tensorflow: 1.1, wasm: 1 });
    const choice = await selectBackendByTrial(trial, ['tensorflow', 'wasm'], {});
    expect(choice.name).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(choice.detail).not.toContain('first in the order');
  });

  it('does not measure the pure-JS backend when another one works', async () => {
    const { trial, asked } = fixedTrial({ tensorflow: 2, wasm: 2, cpu: 0.1 });
    const choice = await selectBackendByTrial(trial, [...PAIR.filter((name) => name !== 'cpu'), 'cpu'], {});
    expect(asked).not.toContain('cpu');
    expect(choice.name).not.toBe('cpu');
  });

  it('skips a backend whose trial step fails, naming the error, and trains on the next', async () => {
    const [first, second] = PAIR as [BackendName, BackendName];
    const { trial } = fixedTrial({ [second]: 3 });
    const choice = await selectBackendByTrial(trial, [first, second], {});
    expect(choice.name).toBe(second);
    expect(choice.skipped).toEqual([{ name: first, reason: `its trial step failed: out of memory on ${first}` }]);
    expect(choice.detail).toContain(`the only backend measured: ${second} 3.0 a step; ${first} skipped: its trial step failed`);
  });

  it('measures nothing when CTRAIN_TF_BACKEND forces a backend or CTRAIN_TF_BACKEND_TRIAL=0', async () => {
    const { trial, asked } = fixedTrial({});
    const forced = await selectBackendByTrial(trial, undefined, { [BACKEND_ENV]: 'wasm' });
    expect(forced).toMatchObject({ name: 'wasm', measured: [] });
    const off = await selectBackendByTrial(trial, ['wasm', 'cpu'], { [BACKEND_TRIAL_ENV]: '0' });
    expect(off).toMatchObject({ name: 'wasm', measured: [] });
    expect(asked).toEqual([]);
  });

  it('a real training run records the step time of every backend it measured, the chosen one among them', async () => {
    const rows = 64;
    const width = 4;
    const features = Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i));
    const labels = Float32Array.from({ length: rows }, (_, row) => (features[row * width]! > 0 ? 1 : 0));
    const data: TrainData = { train: { features, labels, rows, width } };
    const spec = { task: 'binary' as const, network: { kind: 'mlp' as const, hidden: [8], dropout: 0 }, epochs: 1, batchSize: 16, learningRate: 0.01, seed: 3, earlyStopping: { patience: 5, minDelta: 0 } };
    const result = await trainNetwork({ data, spec, backends: PAIR });
    try {
      // The pure-JS backend is not measured once wasm works.
      expect(result.backend.measured.map((timing) => timing.name)).toEqual(native ? ['tensorflow', 'wasm'] : ['wasm']);
      for (const timing of result.backend.measured) expect(timing.msPerStep).toBeGreaterThan(0);
      expect(result.backend.measured.map((timing) => timing.name)).toContain(result.backend.name);
      expect(tf.getBackend()).toBe(result.backend.name);
    } finally {
      result.layersModel.dispose();
    }
  });
});
