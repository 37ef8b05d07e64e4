import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { BackendCheck, CheckOptions } from '../model/gpu-check.js';
import type { BackendName } from '../model/backend.js';
import { output } from './connect.js';

interface GpuCheckFlags {
  seconds: number;
  backends?: BackendName[];
  hidden?: number[];
  batch?: number;
  features?: number;
  json?: boolean;
}

/** `ctrain gpu check`: which TensorFlow.js backends work here, on what, and how fast. */
export function registerGpuCommands(program: Command): void {
  const gpu = program.command('gpu').description('the GPU and the TensorFlow.js backends training can use');
  gpu
    .command('check')
    .description('each backend in the trainer\'s order: available or why not, the GPU it runs on, matMul GFLOP/s and training samples/s, and which trains the shape fastest')
    .option('--seconds <n>', 'seconds each measurement runs for, after a warm-up', positive('--seconds', Number.parseFloat), 1)
    .option('--backends <list>', 'backends to check, comma-separated (default: all, best first)', (value) => value.split(',').map((name) => name.trim()) as BackendName[])
    .option('--hidden <widths>', 'hidden layer widths of the MLP timed, e.g. 1024,1024,1024,1024 (default: the flight-delay model, 32,16)', (value) => value.split(',').map((width) => positive('--hidden', Number.parseInt)(width)))
    .option('--batch <rows>', 'rows per training step (default 1024)', positive('--batch', Number.parseInt))
    .option('--features <n>', 'input features of the MLP timed (default 32)', positive('--features', Number.parseInt))
    .option('--json', 'print JSON')
    .action(async (flags: GpuCheckFlags) => {
      const { adviseBackend, checkBackends, DEFAULT_CHECK_SHAPE } = await import('../model/gpu-check.js');
      const { releaseWebGpu } = await import('../model/webgpu.js');
      const options: CheckOptions = { seconds: flags.seconds, backends: flags.backends, hidden: flags.hidden, batchSize: flags.batch, features: flags.features };
      try {
        const backends = await checkBackends(options);
        const advice = adviseBackend(backends);
        const shape = `MLP ${(flags.hidden ?? [...DEFAULT_CHECK_SHAPE.hidden]).join('-')}, ${flags.features ?? DEFAULT_CHECK_SHAPE.features} features, batch ${flags.batch ?? DEFAULT_CHECK_SHAPE.batchSize}`;
        output(flags.json ?? false, { backends, ...(advice ? { advice } : {}) }, () => [
          `${shape}; each measurement ${flags.seconds} s after a warm-up`,
          ...backends.map(describeCheck),
          ...(advice ? [`advice: ${advice.text}`] : []),
        ]);
      } finally {
        // Dawn keeps the process alive while a WebGPU device exists.
        releaseWebGpu();
      }
    });
}

/** One line per backend, e.g. `wasm  available  matMul 26.4 GFLOP/s  train 208,873 samples/s`. */
export function describeCheck(check: BackendCheck): string {
  const name = check.name.padEnd(15);
  if (!check.available) return `${name}unavailable  ${check.reason ?? ''}`;
  const parts = [
    check.device && `on ${check.device}`,
    check.matmulGflops !== undefined && `matMul ${check.matmulGflops.toFixed(1)} GFLOP/s`,
    check.trainSamplesPerSecond !== undefined && `train ${check.trainSamplesPerSecond.toLocaleString('en-US')} samples/s`,
    check.reason,
  ].filter(Boolean);
  return `${name}available    ${parts.join('  ')}`;
}

function positive(flag: string, parse: (text: string) => number): (text: string) => number {
  return (text) => {
    const value = parse(text);
    if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`${flag} takes a positive number, got '${text}'`);
    return value;
  };
}
