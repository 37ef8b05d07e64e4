import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CUDA_LIBRARIES, cudaDriverMissing, cudaLibrariesMissing } from '../../model/cuda-libraries.js';
import { cacheDir } from '../../stack/paths.js';
import { TENSORFLOW_GPU_ENV, tensorflowGpuWanted } from '../../stack/native-tensorflow-gpu.js';

const EXTRACT = 'stack/extract-nvidia-libraries.py';

/** A wheel-shaped zip written by Python's zipfile, with one executable member. */
function wheel(dir: string, name: string, members: Record<string, string>, executable: string[] = []): string {
  const path = join(dir, name);
  const script = [
    'import json, sys, zipfile',
    'members, executable = json.loads(sys.argv[2]), set(json.loads(sys.argv[3]))',
    'with zipfile.ZipFile(sys.argv[1], "w") as archive:',
    '    for name, text in members.items():',
    '        info = zipfile.ZipInfo(name)',
    '        info.external_attr = (0o755 if name in executable else 0o644) << 16',
    '        archive.writestr(info, text)',
  ].join('\n');
  execFileSync('python3', ['-c', script, path, JSON.stringify(members), JSON.stringify(executable)]);
  return path;
}

describe('the CUDA libraries for tfjs-node-gpu', () => {
  it('is opted into by the flag or CTRAIN_TENSORFLOW_GPU=1, never by default', () => {
    expect(tensorflowGpuWanted(undefined, {})).toBe(false);
    expect(tensorflowGpuWanted(true, {})).toBe(true);
    expect(tensorflowGpuWanted(undefined, { [TENSORFLOW_GPU_ENV]: '1' })).toBe(true);
    expect(tensorflowGpuWanted(undefined, { [TENSORFLOW_GPU_ENV]: '0' })).toBe(false);
  });

  it("unpacks the wheels' libraries and tools where TensorFlow's RUNPATH looks, leaving headers and Python out", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctrain-cuda-'));
    const runtime = wheel(dir, 'nvidia_cuda_runtime_cu12.whl', {
      'nvidia/__init__.py': '',
      'nvidia/cuda_runtime/lib/libcudart.so.12': 'elf',
      'nvidia/cuda_runtime/include/cuda_runtime.h': 'header',
      'nvidia_cuda_runtime_cu12-12.9.79.dist-info/METADATA': 'meta',
    });
    const nvcc = wheel(dir, 'nvidia_cuda_nvcc_cu12.whl', { 'nvidia/cuda_nvcc/bin/ptxas': 'tool' }, ['nvidia/cuda_nvcc/bin/ptxas']);
    const deps = join(dir, 'deps');
    execFileSync('python3', [EXTRACT, deps, runtime, nvcc]);
    expect(readFileSync(join(deps, 'nvidia/cuda_runtime/lib/libcudart.so.12'), 'utf8')).toBe('elf');
    expect(statSync(join(deps, 'nvidia/cuda_nvcc/bin/ptxas')).mode & 0o111).not.toBe(0);
    expect(existsSync(join(deps, 'nvidia/cuda_runtime/include'))).toBe(false);
    expect(existsSync(join(deps, 'nvidia/__init__.py'))).toBe(false);
    expect(readdirSync(deps)).toEqual(['nvidia']);
  });

  it('refuses a wheel with nothing under nvidia/', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctrain-cuda-'));
    const other = wheel(dir, 'tensorflow.whl', { 'tensorflow/libtensorflow_cc.so.2': 'elf' });
    expect(() => execFileSync('python3', [EXTRACT, join(dir, 'deps'), other], { stdio: 'pipe' })).toThrow(/has no files under nvidia\/: not an NVIDIA CUDA library wheel/);
  });

  it('names the CUDA libraries missing from the deps folder, and the driver library when the machine lacks it', () => {
    const deps = mkdtempSync(join(tmpdir(), 'ctrain-cuda-deps-'));
    for (const { library, folder } of CUDA_LIBRARIES.filter(({ folder }) => folder !== 'cudnn')) {
      mkdirSync(join(deps, 'nvidia', folder, 'lib'), { recursive: true });
      writeFileSync(join(deps, 'nvidia', folder, 'lib', library), '');
    }
    expect(cudaLibrariesMissing(deps)).toBe(`CUDA libraries missing under ${join(deps, 'nvidia')}: libcudnn.so.9 (npx ctrain provision --gpu unpacks them)`);
    mkdirSync(join(deps, 'nvidia', 'cudnn', 'lib'), { recursive: true });
    writeFileSync(join(deps, 'nvidia', 'cudnn', 'lib', 'libcudnn.so.9'), '');
    expect(cudaLibrariesMissing(deps)).toBeUndefined();

    const driverDir = mkdtempSync(join(tmpdir(), 'ctrain-driver-'));
    const search = { env: { LD_LIBRARY_PATH: driverDir }, systemDirs: [], loaderCache: () => '' };
    expect(cudaDriverMissing(search)).toBe('no NVIDIA driver here: libcuda.so.1 not found (it comes with the GPU driver, not with ctrain)');
    writeFileSync(join(driverDir, 'libcuda.so.1'), '');
    expect(cudaDriverMissing(search)).toBeUndefined();
  });

  // Runs where `npx ctrain provision --gpu` was run (it downloads about 3 GB, so CI does not).
  const built = existsSync(join(cacheDir(), 'tensorflow-gpu'))
    ? readdirSync(join(cacheDir(), 'tensorflow-gpu'))
        .map((key) => join(cacheDir(), 'tensorflow-gpu', key))
        .find((dir) => existsSync(join(dir, '.complete')))
    : undefined;
  it.skipIf(!built)('a built GPU addon loads CUDA from its own deps folder, by RUNPATH, with nothing on LD_LIBRARY_PATH', () => {
    const addon = join(built!, 'lib', readdirSync(join(built!, 'lib'))[0]!, 'tfjs_binding.node');
    const script = `const b = require(${JSON.stringify(addon)}); const gpu = b.isUsingGpuDevice(); const maps = require('fs').readFileSync('/proc/self/maps', 'utf8'); console.log(JSON.stringify({ gpu, cudart: maps.split('\\n').map((l) => l.split(' ').pop()).find((p) => p.endsWith('libcudart.so.12')) }));`;
    const env = { ...process.env, LD_LIBRARY_PATH: '', TF_CPP_MIN_LOG_LEVEL: '3' };
    const result = JSON.parse(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').at(-1)!) as { gpu: boolean; cudart?: string };
    expect(result.cudart).toBe(join(built!, 'deps', 'nvidia', 'cuda_runtime', 'lib', 'libcudart.so.12'));
    if (cudaDriverMissing()) expect(result.gpu).toBe(false);
  });
});
