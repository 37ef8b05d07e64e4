/**
 * The GPU benchmark's results and their markdown table. Pure: the runner measures, this formats,
 * so the table can be tested without a GPU, a build or TensorFlow.js.
 */
import type { BackendCheck } from '../../model/gpu-check.js';

export interface MachineDescription {
  /** CPU model and logical core count. */
  cpu: string;
  memoryGiB: number;
  os: string;
  node: string;
  /** From `nvidia-smi` where present: one line per GPU, `name, driver version, memory`. */
  gpus: string[];
  /** Vulkan ICD manifests found on the machine (the driver's), or empty. */
  vulkanIcds: string[];
  /** The Vulkan loader used: the one unpacked from the payload's .deb, or the system's. */
  vulkanLoader: string;
}

export interface TrainingResult {
  backend: string;
  /** Adapter or device the backend ran on, as the check reported it. */
  device?: string;
  samplesPerSecond?: number;
  /** Timed steps (after the warm-up steps) and the seconds they took. */
  steps?: number;
  seconds?: number;
  finalLoss?: number;
  /** Why this backend was not trained on: unavailable, excluded, or the error it threw. */
  skipped?: string;
}

export interface TrainingSetup {
  /** Short name of the model in the runner (and its child processes' arguments). */
  name: string;
  features: number;
  rows: number;
  hidden: number[];
  batchSize: number;
  /** Seconds each backend trains for, after warm-up. */
  seconds: number;
  warmupSteps: number;
  /** The GPU speed-up over wasm this model should reach, where one is set. */
  targetVsWasm?: number;
}

export interface GpuResults {
  generatedAt: string;
  machine: MachineDescription;
  check: BackendCheck[];
  /** One per model: every backend's row, then the PyTorch peers' (pytorch-cuda, pytorch-cpu). */
  trainings: (TrainingSetup & { results: TrainingResult[] })[];
}

/** The backends that train on a GPU. */
export const GPU_BACKENDS: readonly string[] = ['tensorflow-gpu', 'webgpu'];

/** The backend every other one is compared with: the CPU path that is present everywhere. */
export const BASELINE_BACKEND = 'wasm';

/** The peer a GPU backend is measured against: the same model in PyTorch on CUDA. */
export const PEER_BACKEND = 'pytorch-cuda';

/** `samples/s of backend ÷ samples/s of the base` (wasm unless named), where both were measured. */
export function speedUp(results: readonly TrainingResult[], backend: string, baseline: string = BASELINE_BACKEND): number | undefined {
  const base = results.find((r) => r.backend === baseline)?.samplesPerSecond;
  const mine = results.find((r) => r.backend === backend)?.samplesPerSecond;
  return base && mine ? mine / base : undefined;
}

export function modelLabel(setup: Pick<TrainingSetup, 'features' | 'hidden'>): string {
  const layers = setup.hidden.every((units) => units === setup.hidden[0]) && setup.hidden.length > 1 ? `${setup.hidden.length}×${setup.hidden[0]}` : setup.hidden.join('→');
  return `MLP ${setup.features}→${layers}→1`;
}

/** The results as a markdown document. */
export function renderGpuTable(results: GpuResults): string {
  const { machine, check, trainings } = results;
  const lines: string[] = [];
  lines.push('# GPU benchmark', '');
  lines.push(`Written by \`bench/gpu.sh run\` on ${results.generatedAt}.`, '');
  lines.push('## Machine', '');
  lines.push('| what | value |', '| --- | --- |');
  lines.push(`| GPU (nvidia-smi) | ${machine.gpus.length > 0 ? machine.gpus.map(cell).join('<br>') : 'none found (no nvidia-smi)'} |`);
  const adapter = check.find((c) => (c.name as string) === 'webgpu' && c.available)?.device;
  lines.push(`| WebGPU adapter | ${adapter ? cell(adapter) : 'none'} |`);
  lines.push(`| Vulkan ICD | ${machine.vulkanIcds.length > 0 ? machine.vulkanIcds.map(cell).join('<br>') : 'none found'} |`);
  lines.push(`| Vulkan loader | ${cell(machine.vulkanLoader)} |`);
  lines.push(`| CPU | ${cell(machine.cpu)} |`);
  lines.push(`| memory | ${machine.memoryGiB.toFixed(0)} GiB |`);
  lines.push(`| OS | ${cell(machine.os)} |`);
  lines.push(`| Node | ${cell(machine.node)} |`, '');

  lines.push('## `ctrain gpu check`', '');
  lines.push('| backend | available | device, or why not | matmul GFLOP/s | train samples/s (check) |', '| --- | --- | --- | ---: | ---: |');
  for (const c of check) {
    lines.push(`| ${c.name} | ${c.available ? 'yes' : 'no'} | ${cell((c.available ? [c.device, c.reason].filter(Boolean).join('; ') : c.reason) || '–')} | ${num(c.matmulGflops, 1)} | ${num(c.trainSamplesPerSecond, 0)} |`);
  }
  lines.push('');

  for (const training of trainings) lines.push(...trainingSection(training));
  return lines.join('\n');
}

function trainingSection(training: GpuResults['trainings'][number]): string[] {
  const lines: string[] = [];
  const rows = training.rows.toLocaleString('en-US');
  lines.push(`## Training ${training.name}: ${modelLabel(training)}, batch ${training.batchSize}, ${rows} synthetic rows`, '');
  lines.push(
    `Adam on binary cross-entropy, ${training.warmupSteps} warm-up step(s) untimed, then steps for about ${training.seconds} s, the loss read back every step; ` +
      `samples/s = timed steps × batch ÷ their seconds. "vs ${BASELINE_BACKEND}" divides by ${BASELINE_BACKEND} on this machine's CPU, "vs PyTorch CUDA" by ${PEER_BACKEND} in the same run.`,
    '',
  );
  lines.push(`| backend | device | samples/s | vs ${BASELINE_BACKEND} | vs PyTorch CUDA | timed steps | seconds | final loss |`, '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of training.results) {
    if (r.samplesPerSecond === undefined) {
      lines.push(`| ${r.backend} | not measured: ${cell(r.skipped ?? 'no result')} | – | – | – | – | – | – |`);
      continue;
    }
    lines.push(
      `| ${r.backend} | ${cell(r.device ?? '')} | ${num(r.samplesPerSecond, 0)} | ${ratio(speedUp(training.results, r.backend))} | ${ratio(speedUp(training.results, r.backend, PEER_BACKEND), 3)} | ${r.steps ?? '–'} | ${num(r.seconds, 1)} | ${num(r.finalLoss, 4)} |`,
    );
  }
  lines.push('');
  const gpuRows = training.results.filter((r) => GPU_BACKENDS.includes(r.backend));
  const measuredGpu = gpuRows.filter((r) => r.samplesPerSecond !== undefined);
  const peer = training.results.find((r) => r.backend === PEER_BACKEND);
  if (measuredGpu.length === 0) {
    const why = gpuRows.map((r) => `${r.backend}: ${cell(r.skipped ?? 'no result')}`).join('; ');
    lines.push(`GPU training throughput: **unmeasured** on this machine${why ? ` (${why})` : ''}.`);
  }
  for (const r of measuredGpu) {
    const parts = [`${num(r.samplesPerSecond, 0)} samples/s`];
    const vsWasm = speedUp(training.results, r.backend);
    if (vsWasm === undefined) parts.push(`no ${BASELINE_BACKEND} number to compare with`);
    else parts.push(`${vsWasm.toFixed(1)}× ${BASELINE_BACKEND}${training.targetVsWasm ? ` (target ≥ ${training.targetVsWasm}×: ${vsWasm >= training.targetVsWasm ? 'met' : 'not met'})` : ''}`);
    const vsPeer = speedUp(training.results, r.backend, PEER_BACKEND);
    parts.push(vsPeer === undefined ? `PyTorch CUDA unmeasured (${cell(peer?.skipped ?? 'not run')})` : `${vsPeer.toFixed(3)}× PyTorch CUDA's ${num(peer?.samplesPerSecond, 0)}`);
    lines.push(`GPU training throughput on ${r.backend}: ${parts.join(', ')}.`);
  }
  const fastest = fastestOf(training.results);
  if (fastest) lines.push('', `Fastest here for this model: ${fastest.backend} (${num(fastest.samplesPerSecond, 0)} samples/s).`);
  lines.push('');
  return lines;
}

function fastestOf(results: readonly TrainingResult[]): TrainingResult | undefined {
  return results.filter((r) => r.samplesPerSecond !== undefined).reduce<TrainingResult | undefined>((best, r) => (best && best.samplesPerSecond! >= r.samplesPerSecond! ? best : r), undefined);
}

function ratio(value: number | undefined, digits = 1): string {
  return value === undefined ? '–' : `${value.toFixed(digits)}×`;
}

function num(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Text safe inside one markdown table cell. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}
