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
  features: number;
  rows: number;
  hidden: number[];
  batchSize: number;
  /** Seconds each backend trains for, after warm-up. */
  seconds: number;
  warmupSteps: number;
}

export interface GpuResults {
  generatedAt: string;
  machine: MachineDescription;
  check: BackendCheck[];
  training: TrainingSetup & { results: TrainingResult[] };
}

/** The backends that train on a GPU. */
export const GPU_BACKENDS: readonly string[] = ['tensorflow-gpu', 'webgpu'];

/** The backend every other one is compared with: the CPU path that is present everywhere. */
export const BASELINE_BACKEND = 'wasm';

/** `samples/s of backend ÷ samples/s of wasm`, where both were measured. */
export function speedUp(results: readonly TrainingResult[], backend: string): number | undefined {
  const base = results.find((r) => r.backend === BASELINE_BACKEND)?.samplesPerSecond;
  const mine = results.find((r) => r.backend === backend)?.samplesPerSecond;
  return base && mine ? mine / base : undefined;
}

export function modelLabel(setup: Pick<TrainingSetup, 'features' | 'hidden'>): string {
  const layers = setup.hidden.every((units) => units === setup.hidden[0]) && setup.hidden.length > 1 ? `${setup.hidden.length}×${setup.hidden[0]}` : setup.hidden.join('→');
  return `MLP ${setup.features}→${layers}→1`;
}

/** The results as a markdown document. */
export function renderGpuTable(results: GpuResults): string {
  const { machine, check, training } = results;
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

  const rows = training.rows.toLocaleString('en-US');
  lines.push(`## Training: ${modelLabel(training)}, batch ${training.batchSize}, ${rows} synthetic rows`, '');
  lines.push(
    `Adam on binary cross-entropy, ${training.warmupSteps} warm-up step(s) untimed, then steps for about ${training.seconds} s; ` +
      `samples/s = timed steps × batch ÷ their seconds. "vs ${BASELINE_BACKEND}" divides by ${BASELINE_BACKEND} on this machine's CPU.`,
    '',
  );
  lines.push(`| backend | device | samples/s | vs ${BASELINE_BACKEND} | timed steps | seconds | final loss |`, '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of training.results) {
    if (r.samplesPerSecond === undefined) {
      lines.push(`| ${r.backend} | not measured: ${cell(r.skipped ?? 'no result')} | – | – | – | – | – |`);
      continue;
    }
    const ratio = speedUp(training.results, r.backend);
    lines.push(
      `| ${r.backend} | ${cell(r.device ?? '')} | ${num(r.samplesPerSecond, 0)} | ${ratio === undefined ? '–' : `${ratio.toFixed(1)}×`} | ${r.steps ?? '–'} | ${num(r.seconds, 1)} | ${num(r.finalLoss, 4)} |`,
    );
  }
  lines.push('');
  const gpuRows = training.results.filter((r) => GPU_BACKENDS.includes(r.backend));
  const measuredGpu = gpuRows.filter((r) => r.samplesPerSecond !== undefined);
  if (measuredGpu.length === 0) {
    const why = gpuRows.map((r) => `${r.backend}: ${cell(r.skipped ?? 'no result')}`).join('; ');
    lines.push(`GPU training throughput: **unmeasured** on this machine${why ? ` (${why})` : ''}.`);
  } else {
    for (const r of measuredGpu) {
      const ratio = speedUp(training.results, r.backend);
      const verdict = ratio === undefined ? `no ${BASELINE_BACKEND} number to compare with` : `${ratio.toFixed(1)}× ${BASELINE_BACKEND} (target ≥ 10×: ${ratio >= 10 ? 'met' : 'not met'})`;
      lines.push(`GPU training throughput on ${r.backend}: ${num(r.samplesPerSecond, 0)} samples/s, ${verdict}.`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

function num(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Text safe inside one markdown table cell. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}
