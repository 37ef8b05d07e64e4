import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LibrarySearch } from './vulkan-libraries.js';
import { libraryFound } from './vulkan-libraries.js';

/**
 * Why TensorFlow (tfjs-node-gpu) sees no GPU, in the terms a person can act on: the driver's
 * library missing, or the CUDA libraries `ctrain provision --gpu` unpacks beside TensorFlow's.
 */

/**
 * The CUDA libraries TensorFlow 2.21 opens when it starts on a GPU, and the folder of each under
 * deps/nvidia (its wheel's), where TensorFlow's RUNPATH looks.
 */
export const CUDA_LIBRARIES = [
  { library: 'libcudart.so.12', folder: 'cuda_runtime' },
  { library: 'libcublas.so.12', folder: 'cublas' },
  { library: 'libcublasLt.so.12', folder: 'cublas' },
  { library: 'libcudnn.so.9', folder: 'cudnn' },
  { library: 'libcufft.so.11', folder: 'cufft' },
  { library: 'libcusolver.so.11', folder: 'cusolver' },
  { library: 'libcusparse.so.12', folder: 'cusparse' },
] as const;

/** Where NVIDIA's container runtime mounts the driver's libraries. */
const DRIVER_DIRS = ['/usr/local/nvidia/lib64', '/usr/local/nvidia/lib'];

/** Why no CUDA GPU can be used for want of the driver's library, or undefined when libcuda.so.1 is there. */
export function cudaDriverMissing(search: LibrarySearch = {}): string | undefined {
  const withDriverDirs = { ...search, systemDirs: [...(search.systemDirs ?? []), ...DRIVER_DIRS] };
  if (libraryFound('libcuda.so.1', search) || libraryFound('libcuda.so.1', withDriverDirs)) return undefined;
  return 'no NVIDIA driver here: libcuda.so.1 not found (it comes with the GPU driver, not with ctrain)';
}

/** The CUDA libraries missing from `deps` (the GPU package's deps folder), named, or undefined when all are there. */
export function cudaLibrariesMissing(deps: string): string | undefined {
  const missing = CUDA_LIBRARIES.filter(({ library, folder }) => !existsSync(join(deps, 'nvidia', folder, 'lib', library)));
  if (missing.length === 0) return undefined;
  return `CUDA libraries missing under ${join(deps, 'nvidia')}: ${missing.map(({ library }) => library).join(', ')} (npx ctrain provision --gpu unpacks them)`;
}
