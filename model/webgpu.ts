import * as tf from '@tensorflow/tfjs';
import { nvidiaIcdLibrariesMissing, vulkanLoaderMissing } from './vulkan-libraries.js';
import { withTimeout } from '../infra/timeout.js';

/**
 * WebGPU in Node: Dawn's binding (the `webgpu` package) provides `navigator.gpu`, over Vulkan on
 * Linux, and @tensorflow/tfjs-backend-webgpu runs on it. Both are imported only when this
 * backend is tried. Every failure is one line naming the cause; nothing here throws or hangs.
 */

/** How long requestAdapter() and requestDevice() may take before WebGPU counts as unusable. */
export const WEBGPU_REQUEST_TIMEOUT_MS = 10_000;

export type WebGpuProbe = { ok: true; device: string } | { ok: false; reason: string };

/** The parts of the WebGPU API used here (the `webgpu` package's types would make DOM types global). */
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuDevice {
  destroy(): void;
}
interface GpuAdapter {
  info?: GpuAdapterInfo;
  limits: Record<string, number>;
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<GpuDevice>;
}
interface Gpu {
  requestAdapter(options: { powerPreference: 'high-performance' }): Promise<GpuAdapter | null>;
}
interface DawnModule {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}
interface TfWebGpuModule {
  WebGPUBackend: new (device: GpuDevice, info?: GpuAdapterInfo) => tf.KernelBackend;
}

/** The limits tfjs-backend-webgpu raises to the adapter's maximum (as its own factory does). */
const RAISED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
];

let probe: Promise<WebGpuProbe> | undefined;
let gpuDevice: GpuDevice | undefined;

/**
 * Opens the first high-performance WebGPU adapter and a device on it, then registers tfjs's
 * 'webgpu' backend on that device. The outcome is kept for the process: a second call does not
 * probe again.
 */
export function registerWebGpu(timeoutMs = WEBGPU_REQUEST_TIMEOUT_MS): Promise<WebGpuProbe> {
  probe ??= openWebGpu(timeoutMs).catch((error: unknown) => ({ ok: false, reason: `WebGPU failed: ${oneLine(error)}` }));
  return probe;
}

/** Removes the 'webgpu' backend and destroys its device, so Dawn lets the process exit. */
export function releaseWebGpu(): void {
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  gpuDevice?.destroy();
  gpuDevice = undefined;
  probe = undefined;
}

async function openWebGpu(timeoutMs: number): Promise<WebGpuProbe> {
  const loader = vulkanLoaderMissing();
  if (loader) return { ok: false, reason: loader };
  let dawn: DawnModule;
  try {
    dawn = (await importLazily('webgpu')) as DawnModule;
  } catch (error) {
    return { ok: false, reason: importFailure('webgpu', error) };
  }
  const gpu = dawn.create([]);
  const adapter = await withTimeout(gpu.requestAdapter({ powerPreference: 'high-performance' }), timeoutMs, () => new Error(`requestAdapter() did not answer within ${timeoutMs} ms`));
  if (!adapter) {
    const driver = nvidiaIcdLibrariesMissing();
    return { ok: false, reason: `no WebGPU adapter: ${driver ?? 'requestAdapter() returned null (no Vulkan driver for a GPU on this machine)'}` };
  }
  const info = adapter.info ?? {};
  const name = adapterName(info);
  if (info.isFallbackAdapter) return { ok: false, reason: `only a software fallback adapter (${name})` };
  const requiredLimits = Object.fromEntries(RAISED_LIMITS.filter((key) => typeof adapter.limits[key] === 'number').map((key) => [key, adapter.limits[key] as number]));
  let device: GpuDevice;
  try {
    device = await withTimeout(adapter.requestDevice({ requiredLimits }), timeoutMs, () => new Error(`requestDevice() did not answer within ${timeoutMs} ms`));
  } catch (error) {
    return { ok: false, reason: `adapter ${name}: ${oneLine(error)}` };
  }
  // tfjs-backend-webgpu reads navigator.gpu and the GPU* constants (GPUBufferUsage, …) as globals.
  installGlobals(gpu, dawn.globals);
  let backend: TfWebGpuModule;
  try {
    backend = (await importLazily('@tensorflow/tfjs-backend-webgpu')) as TfWebGpuModule;
  } catch (error) {
    device.destroy();
    return { ok: false, reason: importFailure('@tensorflow/tfjs-backend-webgpu', error) };
  }
  // Its own factory would request a second adapter and device, without a timeout: use ours.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new backend.WebGPUBackend(device, info), 0);
  gpuDevice = device;
  return { ok: true, device: name };
}

/** "NVIDIA hopper H200 …": the adapter's vendor, architecture, device and description, without repeats. */
export function adapterName(info: GpuAdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].map((part) => part?.trim() ?? '').filter(Boolean);
  const name = parts.filter((part, i) => parts.indexOf(part) === i).join(' ');
  return name || 'unnamed adapter';
}

function installGlobals(gpu: Gpu, globals: Record<string, unknown>): void {
  const scope = globalThis as Record<string, unknown>;
  for (const [key, value] of Object.entries(globals)) if (!(key in scope)) scope[key] = value;
  const navigator = (scope.navigator ??= {}) as Record<string, unknown>;
  if (!navigator.gpu) Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
}

/** A specifier in a variable keeps TypeScript from loading the packages' DOM-flavoured types. */
function importLazily(specifier: string): Promise<unknown> {
  return import(specifier);
}

function importFailure(pkg: string, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  return missing ? `${pkg} is not installed` : `${pkg} failed to load: ${oneLine(error)}`;
}

/** The first line of an error's message. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n', 1)[0] ?? text).trim();
}
