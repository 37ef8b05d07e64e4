import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BackendCheck } from '../../model/gpu-check.js';
import { DEBIAN_PACKAGES, NODE_VERSION, PAYLOAD_DIR, payloadEntries, payloadProblems } from '../../bench/gpu/payload.js';
import type { GpuResults, TrainingResult } from '../../bench/gpu/table.js';
import { modelLabel, renderGpuTable, speedUp } from '../../bench/gpu/table.js';

const SETUP = { name: 'large', targetVsWasm: 10, features: 64, rows: 200_000, hidden: [1024, 1024, 1024, 1024], batchSize: 4096, seconds: 20, warmupSteps: 2 };
const MACHINE: GpuResults['machine'] = {
  cpu: 'Test CPU × 16 logical cores',
  memoryGiB: 128,
  os: 'Debian (linux-x64)',
  node: 'v20.20.2',
  gpus: [],
  vulkanIcds: [],
  vulkanLoader: 'libvulkan1 1.3.239.0-1 from the payload',
};

function results(check: BackendCheck[], training: TrainingResult[], machine: Partial<GpuResults['machine']> = {}): GpuResults {
  return { generatedAt: '2026-12-02T00:00:00.000Z', machine: { ...MACHINE, ...machine }, check, trainings: [{ ...SETUP, results: training }] };
}

const CPU_ONLY = results(
  [
    { name: 'webgpu', available: false, reason: 'no WebGPU adapter: requestAdapter() returned null (no Vulkan driver for a GPU on this machine)' },
    { name: 'wasm', available: true, matmulGflops: 26.4, trainSamplesPerSecond: 224_101 },
  ],
  [
    { backend: 'webgpu', skipped: 'unavailable: no WebGPU adapter: requestAdapter() returned null' },
    { backend: 'wasm', device: 'WebAssembly backend', samplesPerSecond: 128.4, steps: 3, seconds: 95.7, finalLoss: 0.6761 },
  ],
);

describe('the GPU results table', () => {
  it('shows an unavailable WebGPU with its reason, wasm numbers, and the GPU speed-up as unmeasured', () => {
    const table = renderGpuTable(CPU_ONLY);
    expect(table).toContain('| webgpu | no | no WebGPU adapter: requestAdapter() returned null (no Vulkan driver for a GPU on this machine) | – | – |');
    expect(table).toContain('| wasm | yes | – | 26.4 | 224,101 |');
    expect(table).toContain('## Training large: MLP 64→4×1024→1, batch 4096, 200,000 synthetic rows');
    expect(table).toContain('| wasm | WebAssembly backend | 128 | 1.0× | – | 3 | 95.7 | 0.6761 |');
    expect(table).toContain('| webgpu | not measured: unavailable: no WebGPU adapter');
    expect(table).toContain('GPU training throughput: **unmeasured** on this machine (webgpu: unavailable: no WebGPU adapter');
    expect(table).toContain('| GPU (nvidia-smi) | none found (no nvidia-smi) |');
    expect(table).toContain('| Vulkan ICD | none found |');
    expect(table).not.toMatch(/target ≥ 10×: (met|not met)/);
  });

  it('gives the GPU backend its ratio to wasm and says whether the 10× target was met', () => {
    const gpu = results(
      [
        { name: 'webgpu', available: true, device: 'nvidia hopper NVIDIA H200', matmulGflops: 9000, trainSamplesPerSecond: 2e6 },
        { name: 'wasm', available: true, matmulGflops: 60, trainSamplesPerSecond: 3e5 },
      ],
      [
        { backend: 'webgpu', device: 'nvidia hopper NVIDIA H200', samplesPerSecond: 50_000, steps: 200, seconds: 20, finalLoss: 0.3 },
        { backend: 'wasm', samplesPerSecond: 400, steps: 3, seconds: 30, finalLoss: 0.6 },
      ],
      { gpus: ['NVIDIA H200, 580.159.03, 143771 MiB'], vulkanIcds: ['/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json'] },
    );
    const table = renderGpuTable(gpu);
    expect(speedUp(gpu.trainings[0]!.results, 'webgpu')).toBe(125);
    expect(table).toContain('| WebGPU adapter | nvidia hopper NVIDIA H200 |');
    expect(table).toContain('| GPU (nvidia-smi) | NVIDIA H200, 580.159.03, 143771 MiB |');
    expect(table).toContain('| webgpu | nvidia hopper NVIDIA H200 | 50,000 | 125.0× | – | 200 | 20.0 | 0.3000 |');
    expect(table).toContain('GPU training throughput on webgpu: 50,000 samples/s, 125.0× wasm (target ≥ 10×: met), PyTorch CUDA unmeasured (not run).');
  });

  it('sets each GPU backend beside PyTorch CUDA in the same run, and names the fastest for each model', () => {
    const peers: TrainingResult[] = [
      { backend: 'pytorch-cuda', device: 'NVIDIA H200 (PyTorch 2.11.0)', samplesPerSecond: 1_600_000, steps: 8000, seconds: 20, finalLoss: 0.2 },
      { backend: 'pytorch-cpu', skipped: 'unavailable: no PyTorch here: No module named torch' },
    ];
    const gpu = results(
      [{ name: 'webgpu', available: true, device: 'nvidia nvidia-h200' }],
      [{ backend: 'webgpu', device: 'nvidia nvidia-h200', samplesPerSecond: 100_000, steps: 500, seconds: 20, finalLoss: 0.3 }, { backend: 'wasm', samplesPerSecond: 1000, steps: 5, seconds: 20, finalLoss: 0.6 }, ...peers],
    );
    const small = { ...SETUP, name: 'flight-delay', targetVsWasm: undefined, features: 105, hidden: [32, 16], batchSize: 1024 };
    gpu.trainings.push({ ...small, results: [{ backend: 'webgpu', samplesPerSecond: 26_000, steps: 9, seconds: 20 }, { backend: 'wasm', samplesPerSecond: 12_000, steps: 9, seconds: 20 }, { backend: 'pytorch-cuda', samplesPerSecond: 590_000, steps: 9, seconds: 20 }, { backend: 'pytorch-cpu', samplesPerSecond: 1_070_000, steps: 9, seconds: 20 }] });
    const table = renderGpuTable(gpu);
    expect(speedUp(gpu.trainings[0]!.results, 'webgpu', 'pytorch-cuda')).toBeCloseTo(0.0625, 6);
    expect(table).toContain('| webgpu | nvidia nvidia-h200 | 100,000 | 100.0× | 0.063× | 500 | 20.0 | 0.3000 |');
    expect(table).toContain('| pytorch-cpu | not measured: unavailable: no PyTorch here: No module named torch |');
    expect(table).toContain("GPU training throughput on webgpu: 100,000 samples/s, 100.0× wasm (target ≥ 10×: met), 0.063× PyTorch CUDA's 1,600,000.");
    expect(table).toContain('Fastest here for this model: pytorch-cuda (1,600,000 samples/s).');
    // The small model has no speed-up target: a GPU slower than the CPU there is the finding, not a failure.
    expect(table).toContain('## Training flight-delay: MLP 105→32→16→1, batch 1024');
    expect(table).toContain("GPU training throughput on webgpu: 26,000 samples/s, 2.2× wasm, 0.044× PyTorch CUDA's 590,000.");
    expect(table).toContain('Fastest here for this model: pytorch-cpu (1,070,000 samples/s).');
  });

  it('keeps every reason inside its table cell', () => {
    const table = renderGpuTable(results([{ name: 'webgpu', available: false, reason: 'a | b\nsecond line' }], []));
    expect(table).toContain('| webgpu | no | a \\| b second line | – | – |');
  });

  it('has no ratio without a wasm number', () => {
    expect(speedUp([{ backend: 'webgpu', samplesPerSecond: 10 }], 'webgpu')).toBeUndefined();
    expect(modelLabel({ features: 8, hidden: [32, 16] })).toBe('MLP 8→32→16→1');
  });
});

describe('the GPU payload', () => {
  const entries = payloadEntries();

  it('lists only linux-x64 machine code: one dawn.node, amd64 packages, Node for linux-x64', () => {
    const paths = entries.map((entry) => entry.to);
    expect(payloadProblems(paths)).toEqual([]);
    const binaries = entries.filter((entry) => /\.(node|deb|xz|so(\.\d+)*)$/.test(entry.to));
    expect(binaries.length).toBeGreaterThan(0);
    for (const entry of binaries) expect(entry.platform, entry.to).toBe('linux-x64');
    expect(paths.filter((path) => path.endsWith('dawn.node'))).toEqual(['node_modules/webgpu/dist/linux-x64/dawn.node']);
    expect(paths).toContain(`node-v${NODE_VERSION}-linux-x64.xz`);
    expect(paths.filter((path) => path.startsWith('deb/'))).toEqual(DEBIAN_PACKAGES.map((name) => `deb/${name}_amd64.deb`));
  });

  it('rejects other platforms’ binaries and paths outside the payload', () => {
    expect(payloadProblems(['node_modules/webgpu/dist/linux-x64/dawn.node', 'node_modules/webgpu/dist/darwin-universal/dawn.node'])).toEqual([
      'node_modules/webgpu/dist/darwin-universal/dawn.node: not a linux-x64 file',
      'expected exactly one dawn.node, found 2',
    ]);
    expect(payloadProblems(['node_modules/webgpu/dist/linux-x64/dawn.node', 'x/win32-x64/dxcompiler.dll', 'deb/libvulkan1_arm64.deb', '../up'])).toHaveLength(3);
  });

  it('pins Node to the major this project runs on, in the lines bench/gpu.sh reads', () => {
    expect(NODE_VERSION.split('.')[0]).toBe(process.versions.node.split('.')[0]);
    const source = readFileSync('bench/gpu/payload.ts', 'utf8');
    // bench/gpu.sh reads the pins with sed from exactly these line shapes.
    expect(source).toMatch(new RegExp(`^export const NODE_VERSION = '${NODE_VERSION.replace(/\./g, '\\.')}';$`, 'm'));
    expect(source).toMatch(/^export const DEBIAN_PACKAGES = \['[a-z0-9.+-]+'(, '[a-z0-9.+-]+')*\] as const;$/m);
    expect(readFileSync('.gitignore', 'utf8').split('\n')).toContain(`${PAYLOAD_DIR}/`);
  });

  it.skipIf(!existsSync(`${PAYLOAD_DIR}/MANIFEST.json`))('a prepared payload matches its list, linux-x64 only', () => {
    const manifest = JSON.parse(readFileSync(`${PAYLOAD_DIR}/MANIFEST.json`, 'utf8')) as { platform: string; files: { path: string }[] };
    expect(manifest.platform).toBe('linux-x64');
    const paths = manifest.files.map((file) => file.path);
    expect(payloadProblems(paths)).toEqual([]);
    expect(paths.sort()).toEqual(entries.map((entry) => entry.to).filter((path) => path !== 'MANIFEST.json').sort());
  });
});
