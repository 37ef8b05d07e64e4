import type { Command } from 'commander';
import { TENSORFLOW_GPU_ENV } from '../contracts/settings.js';

export function registerProvisionCommand(program: Command): void {
  program
    .command('provision')
    .description("install the pinned Temporal CLI, MinIO server and DVC into the cache, and build TensorFlow's native backend (reused when present)")
    .option('--gpu', `also build @tensorflow/tfjs-node-gpu with the NVIDIA CUDA library wheels (about 3 GB; ${TENSORFLOW_GPU_ENV}=1 does it with every set-up)`)
    .action(async (flags: { gpu?: boolean }) => {
      const [{ provision }, { NATIVE_TENSORFLOW_ENV, provisionNativeTensorflow }, { provisionNativeTensorflowGpu, tensorflowGpuWanted }] = await Promise.all([
        import('../stack/provision.js'),
        import('../stack/native-tensorflow.js'),
        import('../stack/native-tensorflow-gpu.js'),
      ]);
      const tools = await provision();
      for (const [name, path] of Object.entries(tools)) console.log(`ctrain: ${name.padEnd(8)} ${path}`);
      // The native backend only makes training faster: without it ctrain trains on wasm, so set-up goes on.
      const native = await provisionNativeTensorflow().catch(asReason);
      if (native.ok) console.log(`ctrain: native TensorFlow backend ${native.addon}`);
      else console.warn(`ctrain: native TensorFlow backend not set up, training will use wasm: ${native.reason} (${NATIVE_TENSORFLOW_ENV}=0 skips it)`);
      if (!tensorflowGpuWanted(flags.gpu)) return;
      const gpu = await provisionNativeTensorflowGpu(native).catch(asReason);
      if (gpu.ok) console.log(`ctrain: TensorFlow GPU backend ${gpu.addon} (\`npx ctrain gpu check\` says whether it finds a GPU)`);
      else {
        console.error(`ctrain: TensorFlow GPU backend not set up: ${gpu.reason}`);
        // Asked for by name: its failure fails the command.
        process.exitCode = 1;
      }
    });
}

function asReason(error: unknown): { ok: false; reason: string } {
  return { ok: false, reason: error instanceof Error ? error.message : String(error) };
}
