import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_ENV, selectBackend } from '../../model/backend.js';
import { BackendUnavailableError } from '../../model/errors.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('selectBackend', () => {
  it('refuses a forced backend that is not installed, saying why', async () => {
    vi.stubEnv(BACKEND_ENV, 'tensorflow');
    const attempt = selectBackend();
    await expect(attempt).rejects.toThrow(BackendUnavailableError);
    await expect(attempt).rejects.toThrow(/CTRAIN_TF_BACKEND=tensorflow .*@tensorflow\/tfjs-node is not installed/);
  });

  it('rejects an unknown backend name', async () => {
    vi.stubEnv(BACKEND_ENV, 'tpu');
    await expect(selectBackend()).rejects.toThrow(/Unknown backend 'tpu'.*expected one of tensorflow-gpu, tensorflow, wasm, cpu/);
  });

  it('honours a forced backend that is available', async () => {
    vi.stubEnv(BACKEND_ENV, 'cpu');
    const choice = await selectBackend();
    expect(choice).toEqual({ name: 'cpu', detail: expect.stringContaining('forced by CTRAIN_TF_BACKEND') as unknown });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('picks wasm here and records why each native backend was skipped', async () => {
    const choice = await selectBackend();
    expect(choice.name).toBe('wasm');
    expect(choice.detail).toMatch(/tensorflow-gpu skipped: @tensorflow\/tfjs-node-gpu is not installed/);
    expect(choice.detail).toMatch(/tensorflow skipped: @tensorflow\/tfjs-node is not installed/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('is idempotent within a process', async () => {
    const first = await selectBackend();
    expect(await selectBackend()).toBe(first);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('follows an explicit preference order', async () => {
    expect((await selectBackend(['cpu', 'wasm'])).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend()).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});
