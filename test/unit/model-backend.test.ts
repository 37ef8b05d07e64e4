import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { attemptBackend, BACKEND_ENV, BACKEND_NAMES, BACKEND_ORDER_ENV, backendOrder, selectBackend, servingPreference } from '../../model/backend.js';
import { BackendUnavailableError } from '../../model/errors.js';
import { nativeTensorflowExpected } from '../support/native-backend.js';
import { vulkanLoaderMissing } from '../../model/vulkan-libraries.js';
import { adapterName, registerWebGpu } from '../../model/webgpu.js';

/** A machine whose GPU WebGPU can use picks webgpu, not the native CPU backend, by default. */
const webgpuHere = (await registerWebGpu()).ok;
/** Set-up builds the native backend on linux x64 unless told not to; anywhere else ctrain trains on wasm. */
const nativeExpected = nativeTensorflowExpected();
/**
 * Why tfjs-node-gpu is not used without a GPU: npm installs the package (its own download script
 * never runs), its addon is built only by `ctrain provision --gpu`, and with it there is no GPU here.
 */
const GPU_PACKAGE_UNUSABLE = /@tensorflow\/tfjs-node-gpu (is installed but its native addon is not built \(npx ctrain provision --gpu builds it|loaded but TensorFlow sees no GPU: )/;

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('backendOrder', () => {
  it('tries every backend, GPUs first, when nothing is configured', () => {
    expect(backendOrder({})).toEqual({ order: ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'], forced: false });
    expect(BACKEND_NAMES).toEqual(backendOrder({}).order);
  });

  it('reads CTRAIN_TF_BACKENDS as a comma-separated order, trimming spaces and repeats', () => {
    expect(backendOrder({ [BACKEND_ORDER_ENV]: ' webgpu, wasm ,cpu,wasm' })).toEqual({ order: ['webgpu', 'wasm', 'cpu'], forced: false });
  });

  it('lets CTRAIN_TF_BACKEND force one backend over the order and over a preference', () => {
    expect(backendOrder({ [BACKEND_ENV]: 'cpu', [BACKEND_ORDER_ENV]: 'webgpu,wasm' }, ['wasm'])).toEqual({ order: ['cpu'], forced: true });
  });

  it('gives the model server wasm first, unless CTRAIN_TF_BACKENDS sets an order', () => {
    expect(servingPreference({})).toEqual(['wasm', 'tensorflow', 'cpu']);
    expect(servingPreference({ [BACKEND_ORDER_ENV]: 'tensorflow,wasm' })).toBeUndefined();
    expect(backendOrder({ [BACKEND_ENV]: 'tensorflow' }, servingPreference({}))).toEqual({ order: ['tensorflow'], forced: true });
  });

  it('prefers an explicit preference to CTRAIN_TF_BACKENDS', () => {
    expect(backendOrder({ [BACKEND_ORDER_ENV]: 'webgpu,wasm' }, ['cpu', 'wasm'])).toEqual({ order: ['cpu', 'wasm'], forced: false });
  });

  it('names the variable and the known backends when a name is wrong, and refuses an empty list', () => {
    expect(() => backendOrder({ [BACKEND_ORDER_ENV]: 'webgpu,cuda' })).toThrow(
      "Unknown backend 'cuda' in CTRAIN_TF_BACKENDS; expected one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu",
    );
    expect(() => backendOrder({ [BACKEND_ORDER_ENV]: ' , ' })).toThrow(/CTRAIN_TF_BACKENDS lists no backend/);
  });
});

describe('webgpu', () => {
  it('says in one line why it cannot be used on a machine without a GPU Vulkan driver', async () => {
    const probe = await registerWebGpu();
    if (probe.ok) {
      // A machine with a GPU: the adapter's name is what gets recorded.
      expect(probe.device).not.toBe('');
      return;
    }
    expect(probe.reason).not.toContain('\n');
    expect(probe.reason).toMatch(/libvulkan\.so\.1 not found .*libvulkan1|no WebGPU adapter: (requestAdapter\(\) returned null|NVIDIA's Vulkan driver)|adapter .*: |did not answer within/);
    expect(await attemptBackend('webgpu')).toEqual({ ok: false, reason: probe.reason });
  });

  it('names the missing Vulkan loader only when it is missing, and only on Linux', () => {
    const missing = vulkanLoaderMissing({ env: { LD_LIBRARY_PATH: '/nonexistent' }, platform: 'linux' });
    if (missing) expect(missing).toBe('Vulkan loader libvulkan.so.1 not found (install the Debian package libvulkan1 and a GPU driver with Vulkan)');
    expect(vulkanLoaderMissing({ env: {}, platform: 'darwin' })).toBeUndefined();
  });

  it('names an adapter by vendor, architecture, device and description, without repeats', () => {
    expect(adapterName({ vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200' })).toBe('nvidia hopper NVIDIA H200');
    expect(adapterName({ vendor: 'intel', architecture: 'intel', description: ' ' })).toBe('intel');
    expect(adapterName({})).toBe('unnamed adapter');
  });
});

describe('selectBackend', () => {
  it('refuses a forced backend that cannot be used, saying why', async () => {
    vi.stubEnv(BACKEND_ENV, 'tensorflow-gpu');
    const attempt = selectBackend();
    await expect(attempt).rejects.toThrow(BackendUnavailableError);
    await expect(attempt).rejects.toThrow(new RegExp(`CTRAIN_TF_BACKEND=tensorflow-gpu but that backend cannot be used: ${GPU_PACKAGE_UNUSABLE.source}`));
  });

  it('rejects an unknown backend name', async () => {
    vi.stubEnv(BACKEND_ENV, 'tpu');
    await expect(selectBackend()).rejects.toThrow(/Unknown backend 'tpu'.*expected one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu/);
  });

  it('honours a forced backend that is available', async () => {
    vi.stubEnv(BACKEND_ENV, 'cpu');
    const choice = await selectBackend();
    expect(choice).toEqual({ name: 'cpu', detail: expect.stringContaining('forced by CTRAIN_TF_BACKEND') as unknown, skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it.skipIf(webgpuHere)('picks the native CPU backend here and records why each GPU backend was skipped', async () => {
    const choice = await selectBackend();
    expect(choice.name).toBe(nativeExpected ? 'tensorflow' : 'wasm');
    expect(choice.detail).toMatch(new RegExp(`tensorflow-gpu skipped: ${GPU_PACKAGE_UNUSABLE.source}`));
    expect(choice.detail).toMatch(/webgpu skipped: /);
    expect(choice.skipped.map(({ name }) => name)).toEqual(nativeExpected ? ['tensorflow-gpu', 'webgpu'] : ['tensorflow-gpu', 'webgpu', 'tensorflow']);
    expect(choice.skipped.every(({ reason }) => reason.length > 0 && !reason.includes('\n'))).toBe(true);
    expect(tf.getBackend()).toBe(nativeExpected ? 'tensorflow' : 'wasm');
  });

  it('follows CTRAIN_TF_BACKENDS, recording the skipped ones in order', async () => {
    vi.stubEnv(BACKEND_ORDER_ENV, 'tensorflow-gpu,cpu');
    const choice = await selectBackend();
    expect(choice.name).toBe('cpu');
    expect(choice.skipped).toEqual([{ name: 'tensorflow-gpu', reason: expect.stringMatching(GPU_PACKAGE_UNUSABLE) as unknown }]);
    expect(choice.detail).toBe(`pure JavaScript cpu backend (tensorflow-gpu skipped: ${choice.skipped[0]!.reason})`);
  });

  it('is idempotent within a process', async () => {
    const first = await selectBackend(['wasm']);
    expect(await selectBackend(['wasm'])).toBe(first);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('follows an explicit preference order', async () => {
    expect((await selectBackend(['cpu', 'wasm'])).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend(['wasm', 'cpu'])).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});
