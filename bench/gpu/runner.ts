/**
 * The GPU benchmark, bundled by `bench/gpu.sh prepare` into one file that runs with no
 * node_modules on a GPU machine without network. It runs `ctrain gpu check`'s checks for every
 * backend, then trains two MLPs on synthetic tabular data (a large one, and one of the
 * flight-delay model's size) on each usable backend, each in a child process of its own (a native
 * crash in one backend costs only its row), and the same models with PyTorch on CUDA and on the
 * CPU beside them, and writes the table as markdown and JSON.
 *
 *   node runner.mjs [--out <path without extension>]   (bench/gpu.sh run does this)
 *
 * Environment: CTRAIN_GPU_SECONDS (training seconds per backend, default 20),
 * CTRAIN_GPU_CHECK_SECONDS (default 3), CTRAIN_GPU_ROWS (default 200000),
 * CTRAIN_GPU_BACKENDS (comma-separated backends to train on; default every usable one but the
 * pure-JS cpu backend), CTRAIN_GPU_VULKAN_LOADER (what gpu.sh put on LD_LIBRARY_PATH),
 * CTRAIN_GPU_PYTHON (the Python with torch; default python3), CTRAIN_GPU_TORCH_SCRIPT (the peer's
 * script, which gpu.sh names).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendCheck } from '../../model/gpu-check.js';
import { seededRandom } from '../../tabular/seeded-random.js';
import type { GpuResults, MachineDescription, TrainingResult, TrainingSetup } from './table.js';
import { modelLabel, renderGpuTable } from './table.js';

/**
 * model/webgpu.ts imports @tensorflow/tfjs-backend-webgpu by a specifier in a variable, which a
 * bundler cannot follow. This literal one (`as string` keeps tsc from loading the package's DOM
 * types) makes esbuild put the package in the bundle, on the bundle's one tfjs-core; the
 * payload's node_modules/@tensorflow/tfjs-backend-webgpu/index.js, written by `prepare`, hands
 * the runtime import this copy. Unbundled (tsx) nothing uses it.
 */
(globalThis as Record<string, unknown>).__ctrainBundledImports = {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- keeps tsc from loading the package's types
  '@tensorflow/tfjs-backend-webgpu': () => import('@tensorflow/tfjs-backend-webgpu' as string),
};

const SECONDS = positiveInt(process.env.CTRAIN_GPU_SECONDS, 20);
const ROWS = positiveInt(process.env.CTRAIN_GPU_ROWS, 200_000);
/**
 * The models trained: a network large enough for a GPU to pay, and one of the flight-delay
 * model's size, where even PyTorch trains faster on the CPU than on the GPU.
 */
const MODELS: TrainingSetup[] = [
  { name: 'large', features: 64, rows: ROWS, hidden: [1024, 1024, 1024, 1024], batchSize: 4096, seconds: SECONDS, warmupSteps: 2, targetVsWasm: 10 },
  { name: 'flight-delay', features: 105, rows: ROWS, hidden: [32, 16], batchSize: 1024, seconds: SECONDS, warmupSteps: 2 },
];
/** The PyTorch peer's devices; each trains every model beside the tfjs backends. */
const TORCH_DEVICES = [
  { backend: 'pytorch-cuda', device: 'cuda' },
  { backend: 'pytorch-cpu', device: 'cpu' },
] as const;
const CHECK_SECONDS = positiveInt(process.env.CTRAIN_GPU_CHECK_SECONDS, 3);
/** Why a backend is left out of a model unless CTRAIN_GPU_BACKENDS names it: the pure-JS one needs minutes a step of the large model. */
function notByDefault(backend: string, setup: TrainingSetup): string | undefined {
  return backend === 'cpu' && setup.name === 'large' ? 'pure-JS backend: one step of this model takes minutes; set CTRAIN_GPU_BACKENDS to include it' : undefined;
}

const args = process.argv.slice(2);
const mode = args[0];
if (mode === '--child-check') {
  await childCheck(required(args[1], 'result file'));
  // Dawn's device keeps the event loop alive: a child leaves once its result is written.
  process.exit(0);
} else if (mode === '--child-train') {
  await childTrain(required(args[1], 'backend'), modelNamed(required(args[2], 'model')), required(args[3], 'result file'));
  process.exit(0);
} else {
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? required(args[outIndex + 1], '--out path') : 'gpu-results';
  await main(out);
}

async function main(out: string): Promise<void> {
  const log = (line: string) => console.error(`[gpu-bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const machine = describeMachine();
  log(`machine: ${machine.cpu}; GPUs: ${machine.gpus.join('; ') || 'none'}; Vulkan ICDs: ${machine.vulkanIcds.join(', ') || 'none'}`);

  log(`checking every backend (${CHECK_SECONDS} s each where usable)`);
  const checked = await inChild<BackendCheck[]>(['--child-check'], 600);
  if (!Array.isArray(checked)) throw new Error(`the backend check failed: ${checked.error}`);
  for (const c of checked) log(`check ${c.name}: ${c.available ? `available${c.device ? ` on ${c.device}` : ''}` : `unavailable: ${c.reason ?? '?'}`}`);

  const wanted = process.env.CTRAIN_GPU_BACKENDS?.split(',').map((name) => name.trim()).filter(Boolean);
  const python = process.env.CTRAIN_GPU_PYTHON ?? 'python3';
  const trainings: GpuResults['trainings'] = [];
  for (const setup of MODELS) {
    const label = `${setup.name} (${modelLabel(setup)}, batch ${setup.batchSize})`;
    const results: TrainingResult[] = [];
    for (const c of checked) {
      if (!c.available) {
        results.push({ backend: c.name, skipped: `unavailable: ${c.reason ?? 'no reason given'}` });
        continue;
      }
      const excluded = wanted ? (wanted.includes(c.name) ? undefined : 'not in CTRAIN_GPU_BACKENDS') : notByDefault(c.name, setup);
      if (excluded) {
        results.push({ backend: c.name, device: c.device, skipped: excluded });
        continue;
      }
      log(`${label}: training on ${c.name} for about ${setup.seconds} s`);
      const trained = await inChild<TrainingResult>(['--child-train', c.name, setup.name], setup.seconds * 20 + 600);
      const row: TrainingResult = 'error' in trained ? { backend: c.name, skipped: `failed: ${trained.error}` } : { ...trained, device: c.device ?? trained.device };
      log(row.samplesPerSecond === undefined ? `${c.name}: ${row.skipped ?? ''}` : `${c.name}: ${row.samplesPerSecond.toFixed(0)} samples/s`);
      results.push(row);
    }
    for (const peer of TORCH_DEVICES) {
      log(`${label}: training on ${peer.backend} (${python}) for about ${setup.seconds} s`);
      const row = trainWithTorch(python, setup, peer.backend, peer.device);
      log(row.samplesPerSecond === undefined ? `${peer.backend}: ${row.skipped ?? ''}` : `${peer.backend}: ${row.samplesPerSecond.toFixed(0)} samples/s`);
      results.push(row);
    }
    trainings.push({ ...setup, results });
  }

  const document: GpuResults = { generatedAt: new Date().toISOString(), machine, check: checked, trainings };
  const markdown = renderGpuTable(document);
  writeFileSync(`${out}.json`, `${JSON.stringify(document, null, 2)}\n`);
  writeFileSync(`${out}.md`, markdown);
  log(`wrote ${out}.md and ${out}.json`);
  process.stdout.write(markdown);
}

/** Runs this same file in a child process in one mode; its result, or why it gave none. */
async function inChild<T>(childArgs: string[], timeoutSeconds: number): Promise<T | { error: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ctrain-gpu-bench-'));
  const resultFile = join(dir, 'result.json');
  try {
    const script = required(process.argv[1], 'script path');
    const child = spawn(process.execPath, [...process.execArgv, script, ...childArgs, resultFile], { stdio: ['ignore', 'inherit', 'pipe'], timeout: timeoutSeconds * 1000 });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
    });
    if (existsSync(resultFile)) return JSON.parse(readFileSync(resultFile, 'utf8')) as T | { error: string };
    const last = stderr.trim().split('\n').filter(Boolean).at(-1) ?? '';
    return { error: `child exited with ${signal ?? `code ${code}`}${last ? `: ${last}` : ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function childCheck(resultFile: string): Promise<void> {
  try {
    const { checkBackends } = await import('../../model/gpu-check.js');
    writeFileSync(resultFile, JSON.stringify(await checkBackends({ seconds: CHECK_SECONDS })));
  } catch (error) {
    writeFileSync(resultFile, JSON.stringify({ error: firstLine(error) }));
  }
}

async function childTrain(backend: string, setup: TrainingSetup, resultFile: string): Promise<void> {
  try {
    writeFileSync(resultFile, JSON.stringify(await train(backend, setup)));
  } catch (error) {
    writeFileSync(resultFile, JSON.stringify({ error: firstLine(error) }));
  }
}

/** Adam on the MLP: warm-up steps untimed, then steps until `setup.seconds` have passed. */
async function train(backend: string, setup: TrainingSetup): Promise<TrainingResult> {
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('../../model/backend.js');
  const { buildNetwork } = await import('../../model/network.js');
  const { DenseTrainer } = await import('../../model/dense-trainer.js');
  const choice = await selectBackend([backend]);
  const { features, rows, hidden, batchSize, seconds, warmupSteps } = setup;
  const data = syntheticData(rows, features, 20_261_202);
  const xs = tf.tensor2d(data.x, [rows, features]);
  const ys = tf.tensor2d(data.y, [rows, 1]);
  const layersModel = buildNetwork({ network: { kind: 'mlp', hidden, dropout: 0 }, task: 'binary', inputWidth: features, seed: 7 });
  const trainer = new DenseTrainer(layersModel, 'binary', 1e-3);
  const batches = Math.max(1, Math.floor(rows / batchSize));
  let step = 0;
  let loss = Number.NaN;
  const runStep = async () => {
    const start = (step % batches) * batchSize;
    const xb = xs.slice([start, 0], [batchSize, features]);
    const yb = ys.slice([start, 0], [batchSize, 1]);
    try {
      // The trainer's own step; reading its loss on the host waits for the step.
      const lossSum = trainer.step(xb, yb, 1, step);
      loss = ((await lossSum.data())[0] ?? Number.NaN) / batchSize;
      lossSum.dispose();
    } finally {
      xb.dispose();
      yb.dispose();
    }
    step += 1;
  };
  try {
    for (let i = 0; i < warmupSteps; i += 1) await runStep();
    const started = performance.now();
    let timed = 0;
    while (timed < 3 || (performance.now() - started) / 1000 < seconds) {
      await runStep();
      timed += 1;
    }
    const elapsed = (performance.now() - started) / 1000;
    return { backend, device: choice.detail, samplesPerSecond: (timed * batchSize) / elapsed, steps: timed, seconds: elapsed, finalLoss: loss };
  } finally {
    layersModel.dispose();
    trainer.dispose();
    xs.dispose();
    ys.dispose();
  }
}

/**
 * The same model in PyTorch (bench/gpu/train_torch.py, which travels with the working tree), on
 * one device; a missing torch or CUDA device gives a row that says so.
 */
function trainWithTorch(python: string, setup: TrainingSetup, backend: string, device: string): TrainingResult {
  const script = torchScript();
  if (!script) return { backend, skipped: 'bench/gpu/train_torch.py not found beside the runner' };
  const shape = { features: setup.features, rows: setup.rows, hidden: setup.hidden, batchSize: setup.batchSize, seconds: setup.seconds, warmupSteps: setup.warmupSteps };
  try {
    const stdout = execFileSync(python, [script, JSON.stringify(shape), device], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: (setup.seconds * 20 + 600) * 1000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Omit<TrainingResult, 'backend'> & { error?: string };
    if (result.error) return { backend, skipped: `unavailable: ${result.error}` };
    return { backend, ...result };
  } catch (error) {
    return { backend, skipped: `failed: ${python} ${firstLine(error)}` };
  }
}

/** gpu.sh names the script; unbundled (tsx) it sits beside this file, bundled one folder up. */
function torchScript(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return [process.env.CTRAIN_GPU_TORCH_SCRIPT, join(here, 'train_torch.py'), join(here, '..', 'train_torch.py')].find((path): path is string => !!path && existsSync(path));
}

function modelNamed(name: string): TrainingSetup {
  const setup = MODELS.find((model) => model.name === name);
  if (!setup) throw new Error(`gpu runner: no model named ${name}; expected ${MODELS.map((model) => model.name).join(' or ')}`);
  return setup;
}

/** Seeded rows: features uniform in [-1, 1], label from a fixed linear rule plus noise. */
function syntheticData(rows: number, features: number, seed: number): { x: Float32Array; y: Float32Array } {
  const next = seededRandom(seed);
  const weights = Array.from({ length: features }, () => next() * 2 - 1);
  const x = new Float32Array(rows * features);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r += 1) {
    let score = 0;
    for (let f = 0; f < features; f += 1) {
      const value = next() * 2 - 1;
      x[r * features + f] = value;
      score += value * (weights[f] ?? 0);
    }
    y[r] = score + (next() - 0.5) > 0 ? 1 : 0;
  }
  return { x, y };
}

function describeMachine(): MachineDescription {
  const cores = cpus();
  const gpus = run('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader']);
  const icdDirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/local/nvidia/share/vulkan/icd.d'];
  const icds = icdDirs.flatMap((dir) => {
    try {
      return readdirSync(dir)
        .filter((file) => file.endsWith('.json'))
        .map((file) => join(dir, file));
    } catch {
      return [];
    }
  });
  const forced = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  return {
    cpu: `${cores[0]?.model.trim() ?? 'unknown'} × ${cores.length} logical cores`,
    memoryGiB: totalmem() / 1024 ** 3,
    os: `${osName()} (${process.platform}-${process.arch}, kernel ${release()})`,
    node: `${process.version} (${process.execPath})`,
    gpus: gpus ? gpus.split('\n').map((line) => line.trim()).filter(Boolean) : [],
    vulkanIcds: forced ? [...icds, `VK_DRIVER_FILES=${forced}`] : icds,
    vulkanLoader: process.env.CTRAIN_GPU_VULKAN_LOADER ?? 'system',
  };
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown OS';
  } catch {
    return 'unknown OS';
  }
}

function run(command: string, commandArgs: string[]): string | undefined {
  try {
    return execFileSync(command, commandArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
  } catch {
    return undefined;
  }
}

function positiveInt(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new Error(`gpu runner: missing ${what}`);
  return value;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? text;
}
