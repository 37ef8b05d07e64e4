import { copyFile, cp, link, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { addonCacheDir, addonFolder, buildablePackage, compileAddon, linkInto } from './native-tensorflow.js';
import type { NativeTensorflowSetup } from './native-tensorflow.js';
import { ensureTool, ProvisionError, run } from './provision.js';
import { PROJECT_ROOT } from './paths.js';
import { PINNED } from './versions.js';
import { TENSORFLOW_GPU_ENV } from '../contracts/settings.js';

/**
 * tfjs-node-gpu by the same route as tfjs-node, opted into: the same TensorFlow C library (PyPI's
 * linux wheel is built with CUDA), the NVIDIA CUDA library wheels of its `and-cuda` extra beside
 * it, and the package's addon compiled against it. The library's RUNPATH looks for the CUDA
 * libraries at $ORIGIN/../nvidia/<name>/lib, so they are unpacked there and nothing is put on
 * LD_LIBRARY_PATH. The GPU's driver (libcuda.so.1) comes from the machine, never from here.
 */

/** Set to 1 to build the GPU backend with every set-up (`npm test`, `npm run demo`); `ctrain provision --gpu` does it once. */
export { TENSORFLOW_GPU_ENV };

const PACKAGE = '@tensorflow/tfjs-node-gpu';
const CUDA_REQUIREMENTS = join(PROJECT_ROOT, 'stack', 'requirements-tensorflow-gpu.txt');
const EXTRACT_SCRIPT = join(PROJECT_ROOT, 'stack', 'extract-nvidia-libraries.py');
/** The NVIDIA wheels carry manylinux tags from 2_12 to 2_27; pip matches a given platform exactly. */
const WHEEL_PLATFORMS = ['manylinux_2_12_x86_64', 'manylinux2010_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64', 'manylinux_2_27_x86_64'];
const LIBRARIES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];

/** Whether set-up should build the GPU backend: asked for by the flag or the variable. */
export function tensorflowGpuWanted(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return flag === true || env[TENSORFLOW_GPU_ENV] === '1';
}

/**
 * Makes `@tensorflow/tfjs-node-gpu` loadable on top of the CPU set-up (`cpu`, whose TensorFlow C
 * library it shares): downloads the CUDA library wheels once (about 3 GB), builds the addon, and
 * links the installed package to the result. Where this cannot be done, a reason comes back.
 */
export async function provisionNativeTensorflowGpu(cpu: NativeTensorflowSetup, log: (line: string) => void = (line) => console.log(line)): Promise<NativeTensorflowSetup> {
  if (!cpu.ok) return { ok: false, reason: `it shares the native CPU backend's TensorFlow library, which is not set up: ${cpu.reason}` };
  const packageRoot = await buildablePackage(PACKAGE);
  if (typeof packageRoot !== 'string') return packageRoot;
  const modulePath = addonFolder(packageRoot);
  const dir = await addonCacheDir('tensorflow-gpu', modulePath, CUDA_REQUIREMENTS);
  const what = `the NVIDIA CUDA libraries of TensorFlow ${PINNED.tensorflowWheel}'s and-cuda extra (PyPI wheels, about 3 GB to download) and ${PACKAGE} ${PINNED.tfjsNode}'s addon`;
  const addon = await ensureTool({ what, dir, binary: join(modulePath, 'tfjs_binding.node'), log }, async () => {
    await shareLibtensorflow(cpu.dir, dir);
    await fetchCudaLibraries(dir);
    await compileAddon(dir, packageRoot, modulePath);
  });
  await linkInto(packageRoot, dir);
  return { ok: true, addon, package: packageRoot, dir };
}

/**
 * TensorFlow's C library from the CPU set-up, hard-linked (copied across file systems) rather
 * than linked by name: the loader resolves $ORIGIN in its RUNPATH to the folder it was opened
 * from, which must be this one, where the CUDA libraries are.
 */
async function shareLibtensorflow(cpuDir: string, dir: string): Promise<void> {
  const lib = join(dir, 'deps', 'lib');
  await mkdir(lib, { recursive: true });
  for (const name of LIBRARIES) await link(join(cpuDir, 'deps', 'lib', name), join(lib, name)).catch(() => copyFile(join(cpuDir, 'deps', 'lib', name), join(lib, name)));
  await symlink('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so.2'));
  await symlink('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so'));
  await symlink('libtensorflow_framework.so.2', join(lib, 'libtensorflow_framework.so'));
  // The headers are needed only to compile the addon.
  await cp(join(cpuDir, 'deps', 'include'), join(dir, 'deps', 'include'), { recursive: true });
}

async function fetchCudaLibraries(dir: string): Promise<void> {
  const wheels = join(dir, 'wheels');
  const platforms = WHEEL_PLATFORMS.flatMap((platform) => ['--platform', platform]);
  // --no-cache-dir: the wheels are deleted once unpacked; pip's cache would keep another 3 GB.
  await run('python3', ['-m', 'pip', 'download', '--disable-pip-version-check', '--no-cache-dir', '--no-deps', '--only-binary=:all:', ...platforms, '--python-version', '3.12', '--require-hashes', '-r', CUDA_REQUIREMENTS, '--dest', wheels]);
  const files = (await readdir(wheels)).filter((name) => name.endsWith('.whl'));
  if (files.length === 0) throw new ProvisionError(`pip download left no wheel in ${wheels}`);
  await run('python3', [EXTRACT_SCRIPT, join(dir, 'deps'), ...files.map((name) => join(wheels, name))]);
  await rm(wheels, { recursive: true, force: true });
}
