import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { cudaDriverMissing, cudaLibrariesMissing } from './cuda-libraries.js';
import { BackendUnavailableError } from './errors.js';
import { applyNativeDefaults } from './native-settings.js';
import { oneLine, registerWebGpu } from './webgpu.js';

/**
 * The backends ctrain can train on, best first: tfjs-node-gpu (CUDA), WebGPU (Dawn over Vulkan),
 * tfjs-node (native CPU), WebAssembly, pure JavaScript.
 */
export const BACKEND_NAMES = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

/** A better backend that was not used, and the one-line reason. */
export interface SkippedBackend {
  name: BackendName;
  reason: string;
}

/** The backend a process trains on, and why the better ones were not used. */
export interface BackendChoice {
  name: BackendName;
  /** What is used (with the GPU adapter's name for webgpu), then (in parentheses) why each better backend was skipped, or that it was forced. */
  detail: string;
  /** The better backends tried first, in order, each with why it could not be used; empty when the first one tried was used. */
  skipped: SkippedBackend[];
}

/** Environment variable that forces one backend; selection fails if that one cannot be used. */
export const BACKEND_ENV = 'CTRAIN_TF_BACKEND';

/** Environment variable with the order to try backends in, comma-separated, e.g. `webgpu,wasm,cpu`; default {@link BACKEND_NAMES}. */
export const BACKEND_ORDER_ENV = 'CTRAIN_TF_BACKENDS';

/**
 * The model server's order. Its requests are one row to a few hundred, where a kernel call's
 * fixed cost decides: the flight-delay MLP scored 1 row in 53 µs and 100 in 59 µs on wasm,
 * against 234 and 247 µs on native TensorFlow (which wins from about a thousand rows: 4096 in
 * 0.7 ms against 1.2 ms), and a GPU adds a transfer each way. CTRAIN_TF_BACKEND(S) still decide.
 */
export const SERVING_BACKENDS: readonly BackendName[] = ['wasm', 'tensorflow', 'cpu'];

/** The order a server of few-row requests uses: CTRAIN_TF_BACKENDS when set, else {@link SERVING_BACKENDS}. */
export function servingPreference(env: NodeJS.ProcessEnv = process.env): readonly BackendName[] | undefined {
  return env[BACKEND_ORDER_ENV]?.trim() ? undefined : SERVING_BACKENDS;
}

/** The outcome of trying one backend: activated (and what it runs on), or why not. */
export type BackendAttempt = { ok: true; detail: string; device?: string } | { ok: false; reason: string };
type Attempt = BackendAttempt;

/**
 * The backends to try, in order: the one `CTRAIN_TF_BACKEND` forces, else `preference` when
 * given, else `CTRAIN_TF_BACKENDS`, else all of them, best first.
 * @throws BackendUnavailableError naming the variable when a name is unknown or the list is empty.
 */
export function backendOrder(env: NodeJS.ProcessEnv = process.env, preference?: readonly string[]): { order: BackendName[]; forced: boolean } {
  const forced = env[BACKEND_ENV]?.trim();
  if (forced) return { order: [parseName(forced, BACKEND_ENV)], forced: true };
  if (preference) return { order: preference.map((name) => parseName(name, 'preference')), forced: false };
  const listed = env[BACKEND_ORDER_ENV]?.trim();
  if (!listed) return { order: [...BACKEND_NAMES], forced: false };
  const names = listed.split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new BackendUnavailableError(`${BACKEND_ORDER_ENV} lists no backend; expected some of ${BACKEND_NAMES.join(', ')}`);
  return { order: [...new Set(names.map((name) => parseName(name, BACKEND_ORDER_ENV)))], forced: false };
}

const chosen = new Map<string, Promise<BackendChoice>>();
let nativePackage: string | undefined;
let wasmPathsSet = false;

/**
 * Selects the best TensorFlow.js backend present: tfjs-node-gpu with a visible GPU, then WebGPU
 * with a GPU adapter, then tfjs-node, then wasm, then the pure-JS cpu backend, in the order of
 * {@link backendOrder}. Idempotent: the same request in one process returns the same choice
 * without reloading.
 * @param preference backends to try, in order; defaults to `CTRAIN_TF_BACKENDS`, else all of them, best first.
 */
export async function selectBackend(preference?: readonly string[]): Promise<BackendChoice> {
  const { order, forced } = backendOrder(process.env, preference);
  const key = `${forced ? 'forced:' : ''}${order.join(',')}`;
  const cached = chosen.get(key);
  if (cached) return reactivate(await cached);
  const selection = trySelect(order, forced);
  chosen.set(key, selection);
  // A failed selection is not cached, so a later call (after installing a package) tries again.
  selection.catch(() => chosen.delete(key));
  return selection;
}

/** A cached choice stays true even if another request switched tfjs to a different backend since. */
async function reactivate(choice: BackendChoice): Promise<BackendChoice> {
  const tfName = tfNameOf(choice.name);
  if (tf.getBackend() !== tfName && !(await tf.setBackend(tfName))) {
    throw new BackendUnavailableError(`Backend ${choice.name} was selected earlier but can no longer be activated`);
  }
  return choice;
}

/** The name tfjs registers a backend under: both native packages register 'tensorflow'. */
export function tfNameOf(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}

/** The first backend of `order` that can be used, activated; forced: that one or an error. */
export async function trySelect(order: readonly BackendName[], forced: boolean): Promise<BackendChoice> {
  const skipped: SkippedBackend[] = [];
  const reasons = (): string => skipped.map(({ name, reason }) => `${name} skipped: ${reason}`).join('; ');
  for (const name of order) {
    const attempt = await attemptBackend(name);
    if (attempt.ok) {
      const why = forced ? `forced by ${BACKEND_ENV}` : reasons();
      return { name, detail: why ? `${attempt.detail} (${why})` : attempt.detail, skipped };
    }
    skipped.push({ name, reason: attempt.reason });
    if (forced) throw new BackendUnavailableError(`${BACKEND_ENV}=${name} but that backend cannot be used: ${attempt.reason}`);
  }
  throw new BackendUnavailableError(`No TensorFlow.js backend could be used: ${reasons()}`);
}

/**
 * Tries one backend and makes it tfjs's active backend when it works. Never throws: a backend
 * that cannot be used comes back with a one-line reason.
 */
export function attemptBackend(name: BackendName): Promise<Attempt> {
  switch (name) {
    case 'tensorflow-gpu':
      return attemptNativeGpu();
    case 'webgpu':
      return attemptWebGpu();
    case 'tensorflow':
      return attemptNativeCpu();
    case 'wasm':
      return attemptWasm();
    case 'cpu':
      return activate('cpu', 'pure JavaScript cpu backend');
  }
}

async function attemptNativeGpu(): Promise<Attempt> {
  const failure = await loadNative('@tensorflow/tfjs-node-gpu');
  if (failure) return { ok: false, reason: failure };
  const active = await activate('tensorflow', '@tensorflow/tfjs-node-gpu on a CUDA GPU');
  if (!active.ok) return active;
  // tfjs-node-gpu silently runs on the CPU when CUDA finds no device.
  const onGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  if (onGpu) return active;
  const deps = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu/package.json')), 'deps');
  const why = cudaDriverMissing() ?? cudaLibrariesMissing(deps) ?? `the driver and the CUDA libraries are there; CUDA_VISIBLE_DEVICES=${process.env.CUDA_VISIBLE_DEVICES ?? '(unset)'}`;
  return { ok: false, reason: `@tensorflow/tfjs-node-gpu loaded but TensorFlow sees no GPU: ${why}` };
}

async function attemptWebGpu(): Promise<Attempt> {
  const probe = await registerWebGpu();
  if (!probe.ok) return probe;
  const active = await activate('webgpu', `WebGPU (Dawn) on ${probe.device}`);
  return active.ok ? { ...active, device: probe.device } : active;
}

async function attemptNativeCpu(): Promise<Attempt> {
  // Both native packages register the same 'tensorflow' backend and cannot be loaded together.
  if (nativePackage === '@tensorflow/tfjs-node-gpu') return activate('tensorflow', "@tensorflow/tfjs-node-gpu's native CPU kernels");
  const failure = await loadNative('@tensorflow/tfjs-node');
  return failure ? { ok: false, reason: failure } : activate('tensorflow', '@tensorflow/tfjs-node native CPU kernels');
}

async function attemptWasm(): Promise<Attempt> {
  if (!wasmPathsSet) {
    // The .wasm binaries ship in the package; point at them so nothing is fetched.
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(`${dirname(entry)}/`);
    wasmPathsSet = true;
  }
  return activate('wasm', 'WebAssembly backend from @tensorflow/tfjs-backend-wasm');
}

/** Imports an optional native package; returns why it could not be loaded, or undefined. */
async function loadNative(pkg: string): Promise<string | undefined> {
  if (nativePackage === pkg) return undefined;
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
  } catch (error) {
    return describeImportFailure(pkg, error);
  }
  // Checked before importing: a package whose addon fails to load has registered its kernels by then.
  if (!addonBuilt(packageJson)) return `${pkg} is installed but its native addon is not built (${ADDON_BUILT_BY[pkg] ?? 'npx ctrain provision builds it'})`;
  if (nativePackage) return `${nativePackage} is already loaded in this process`;
  try {
    applyNativeDefaults();
    await import(pkg);
    nativePackage = pkg;
    return undefined;
  } catch (error) {
    return describeImportFailure(pkg, error);
  }
}

/** Whether the addon file the package will load is there (ctrain's set-up builds it, not npm). */
function addonBuilt(packageJson: string): boolean {
  try {
    const preGyp = createRequire(packageJson)('@mapbox/node-pre-gyp') as { find: (packageJsonPath: string) => string };
    return existsSync(preGyp.find(packageJson));
  } catch {
    // Let the import say what is wrong.
    return true;
  }
}

/** The command that builds each native package's addon. */
const ADDON_BUILT_BY: Record<string, string> = {
  '@tensorflow/tfjs-node': 'npx ctrain provision builds it',
  '@tensorflow/tfjs-node-gpu': 'npx ctrain provision --gpu builds it, with the CUDA libraries, on a machine with an NVIDIA GPU',
};

async function activate(tfName: string, detail: string): Promise<Attempt> {
  try {
    if (await tf.setBackend(tfName)) {
      await tf.ready();
      return { ok: true, detail };
    }
    return { ok: false, reason: `tf.setBackend('${tfName}') failed to initialise it` };
  } catch (error) {
    return { ok: false, reason: `tf.setBackend('${tfName}') threw: ${oneLine(error)}` };
  }
}

function describeImportFailure(pkg: string, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = oneLine(error);
  const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find (package|module)/i.test(message);
  return missing ? `${pkg} is not installed` : `${pkg} failed to load: ${message}`;
}

/** Checks backend names; `source` (a variable or option) is named in the error. */
export function parseBackendNames(names: readonly string[], source: string): BackendName[] {
  return names.map((name) => parseName(name, source));
}

function parseName(name: string, source: string): BackendName {
  const known: readonly string[] = BACKEND_NAMES;
  if (known.includes(name)) return name as BackendName;
  throw new BackendUnavailableError(`Unknown backend '${name}' in ${source}; expected one of ${BACKEND_NAMES.join(', ')}`);
}
