import { describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildProgram } from '../../cli/program.js';
import { describeCheck } from '../../cli/gpu.js';
import type { BackendCheck } from '../../model/gpu-check.js';
import { adviseBackend, checkBackends } from '../../model/gpu-check.js';
import { nativeTensorflowExpected } from '../support/native-backend.js';

/** `ctrain <args>` through the real command tree in this process; returns what it printed on stdout. */
async function ctrain(args: string[]): Promise<string> {
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((text: unknown) => void printed.push(String(text)));
  try {
    await buildProgram().exitOverride().parseAsync(args, { from: 'user' });
  } finally {
    log.mockRestore();
  }
  return printed.join('\n');
}

describe('ctrain gpu check', () => {
  it('--json reports every backend in order: wasm and cpu measured, the GPU ones available with a device or unavailable with a reason', async () => {
    const { backends, advice } = JSON.parse(await ctrain(['gpu', 'check', '--json', '--seconds', '0.2'])) as { backends: BackendCheck[]; advice: { fastest: string; firstInOrder: string } };
    expect(backends.map(({ name }) => name)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
    for (const name of [...(nativeTensorflowExpected() ? ['tensorflow'] : []), 'wasm', 'cpu']) {
      const check = backends.find((candidate) => candidate.name === name);
      expect(check).toMatchObject({ available: true });
      expect(check?.reason).toBeUndefined();
      expect(check?.matmulGflops).toBeGreaterThan(0);
      expect(check?.trainSamplesPerSecond).toBeGreaterThan(0);
    }
    const webgpu = backends.find(({ name }) => name === 'webgpu');
    if (webgpu?.available) {
      expect(webgpu.device).toMatch(/\S/);
      expect(webgpu.matmulGflops).toBeGreaterThan(0);
    } else {
      // No GPU Vulkan driver here (the CPU test machines): one line saying which part is missing.
      expect(webgpu?.reason).toMatch(/^(Vulkan loader libvulkan\.so\.1 not found|no WebGPU adapter|adapter |WebGPU failed)/);
      expect(webgpu?.reason).not.toContain('\n');
      expect(webgpu?.matmulGflops).toBeUndefined();
    }
    for (const check of backends.filter(({ available }) => !available)) expect(check.reason).toMatch(/\S/);
    // The advice names the backend that measured fastest, against the first available one.
    const fastest = backends.filter(({ available }) => available).reduce((a, b) => ((b.trainSamplesPerSecond ?? 0) > (a.trainSamplesPerSecond ?? 0) ? b : a));
    expect(advice).toMatchObject({ fastest: fastest.name, firstInOrder: backends.find(({ available }) => available)?.name });
  });

  it("advises the backend that trained fastest, and says when the trainer's pick is slower", () => {
    const checks: BackendCheck[] = [
      { name: 'webgpu', available: true, device: 'nvidia hopper', trainSamplesPerSecond: 26_145 },
      { name: 'tensorflow', available: true, trainSamplesPerSecond: 400_000 },
      { name: 'wasm', available: true, trainSamplesPerSecond: 250_000 },
      { name: 'cpu', available: false, reason: 'not asked' },
    ];
    expect(adviseBackend(checks, {})).toEqual({
      fastest: 'tensorflow',
      samplesPerSecond: 400_000,
      firstInOrder: 'webgpu',
      text: "fastest for this shape: tensorflow (400,000 samples/s, 15.3× webgpu at 26,145 samples/s, which is first in the trainer's order); the trainer measures each model before it trains and would train this shape on tensorflow",
    });
    expect(adviseBackend(checks, { CTRAIN_TF_BACKENDS: 'tensorflow,wasm' })?.text).toBe(
      "fastest for this shape: tensorflow (400,000 samples/s), also first in the trainer's order; the trainer measures each model before it trains and would train this shape on tensorflow",
    );
    expect(adviseBackend(checks, { CTRAIN_TF_BACKENDS: 'wasm,tensorflow' })?.text).toBe(
      "fastest for this shape: tensorflow (400,000 samples/s, 1.6× wasm at 250,000 samples/s, which is first in the trainer's order); the trainer measures each model before it trains and would train this shape on tensorflow",
    );
    expect(adviseBackend(checks, { CTRAIN_TF_BACKEND: 'wasm' })?.text).toMatch(/; CTRAIN_TF_BACKEND forces wasm on the trainer, unmeasured$/);
    expect(adviseBackend([{ name: 'webgpu', available: false, reason: 'no adapter' }], {})).toBeUndefined();
  });

  it('times the MLP shape asked for, leaves no tensor behind and tfjs on the backend it was on', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const [wasm] = await checkBackends({ seconds: 0.1, backends: ['wasm'], hidden: [64, 64, 64], batchSize: 128, features: 12 });
    expect(wasm).toMatchObject({ name: 'wasm', available: true });
    expect(wasm?.trainSamplesPerSecond).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('refuses an unknown backend name, listing the known ones', async () => {
    await expect(checkBackends({ backends: ['tpu' as never] })).rejects.toThrow(/Unknown backend 'tpu'.*expected one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu/);
  });

  it('prints one line per backend', () => {
    expect(describeCheck({ name: 'webgpu', available: false, reason: 'no WebGPU adapter' })).toBe('webgpu         unavailable  no WebGPU adapter');
    expect(describeCheck({ name: 'webgpu', available: true, device: 'nvidia hopper', matmulGflops: 41234.5, trainSamplesPerSecond: 1234567 })).toBe(
      'webgpu         available    on nvidia hopper  matMul 41234.5 GFLOP/s  train 1,234,567 samples/s',
    );
  });
});
