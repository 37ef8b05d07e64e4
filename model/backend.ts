import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BackendUnavailableError } from './errors.js';

/** The backends ctrain can train on, best first. */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

/** The backend a process trains on, and why the better ones were not used. */
export interface BackendChoice {
  name: BackendName;
  /** What is used, then (in parentheses) why each better backend was skipped, or that it was forced. */
  detail: string;
}

/** Environment variable that forces one backend; selection fails if that one cannot be used. */
export const BACKEND_ENV = 'CTRAIN_TF_BACKEND';

type Attempt = { ok: true; detail: string } | { ok: false; reason: string };

const chosen = new Map<string, Promise<BackendChoice>>();
let nativePackage: string | undefined;
let wasmPathsSet = false;

/**
 * Selects the best TensorFlow.js backend present: tfjs-node-gpu with a visible GPU, then
 * tfjs-node, then wasm, then the pure-JS cpu backend. `CTRAIN_TF_BACKEND` forces one.
 * Idempotent: the same request in one process returns the same choice without reloading.
 * @param preference backends to try, in order; defaults to all of them, best first.
 */
export async function selectBackend(preference: readonly string[] = BACKEND_NAMES): Promise<BackendChoice> {
  const forced = process.env[BACKEND_ENV]?.trim();
  const order = forced ? [parseName(forced, BACKEND_ENV)] : preference.map((name) => parseName(name, 'preference'));
  const key = `${forced ? 'forced:' : ''}${order.join(',')}`;
  const cached = chosen.get(key);
  if (cached) return reactivate(await cached);
  const selection = trySelect(order, Boolean(forced));
  chosen.set(key, selection);
  // A failed selection is not cached, so a later call (after installing a package) tries again.
  selection.catch(() => chosen.delete(key));
  return selection;
}

/** A cached choice stays true even if another request switched tfjs to a different backend since. */
async function reactivate(choice: BackendChoice): Promise<BackendChoice> {
  const tfName = choice.name === 'tensorflow-gpu' ? 'tensorflow' : choice.name;
  if (tf.getBackend() !== tfName && !(await tf.setBackend(tfName))) {
    throw new BackendUnavailableError(`Backend ${choice.name} was selected earlier but can no longer be activated`);
  }
  return choice;
}

async function trySelect(order: BackendName[], forced: boolean): Promise<BackendChoice> {
  const skipped: string[] = [];
  for (const name of order) {
    const attempt = await attemptBackend(name);
    if (attempt.ok) {
      const why = forced ? `forced by ${BACKEND_ENV}` : skipped.join('; ');
      return { name, detail: why ? `${attempt.detail} (${why})` : attempt.detail };
    }
    skipped.push(`${name} skipped: ${attempt.reason}`);
    if (forced) throw new BackendUnavailableError(`${BACKEND_ENV}=${name} but that backend cannot be used: ${attempt.reason}`);
  }
  throw new BackendUnavailableError(`No TensorFlow.js backend could be used: ${skipped.join('; ')}`);
}

function attemptBackend(name: BackendName): Promise<Attempt> {
  switch (name) {
    case 'tensorflow-gpu':
      return attemptNativeGpu();
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
  return onGpu ? active : { ok: false, reason: '@tensorflow/tfjs-node-gpu loaded but TensorFlow sees no GPU' };
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
  if (nativePackage) return `${nativePackage} is already loaded in this process`;
  try {
    await import(pkg);
    nativePackage = pkg;
    return undefined;
  } catch (error) {
    return describeImportFailure(pkg, error);
  }
}

async function activate(tfName: string, detail: string): Promise<Attempt> {
  try {
    if (await tf.setBackend(tfName)) {
      await tf.ready();
      return { ok: true, detail };
    }
    return { ok: false, reason: `tf.setBackend('${tfName}') failed to initialise it` };
  } catch (error) {
    return { ok: false, reason: `tf.setBackend('${tfName}') threw: ${firstLine(error)}` };
  }
}

function describeImportFailure(pkg: string, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = firstLine(error);
  const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find (package|module)/i.test(message);
  return missing ? `${pkg} is not installed` : `${pkg} failed to load: ${message}`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? text;
}

function parseName(name: string, source: string): BackendName {
  const known: readonly string[] = BACKEND_NAMES;
  if (known.includes(name)) return name as BackendName;
  throw new BackendUnavailableError(`Unknown backend '${name}' in ${source}; expected one of ${BACKEND_NAMES.join(', ')}`);
}
