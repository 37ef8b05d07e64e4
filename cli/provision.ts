import type { Command } from 'commander';
import { NATIVE_TENSORFLOW_ENV, provisionNativeTensorflow } from '../stack/native-tensorflow.js';
import { provision } from '../stack/provision.js';

export function registerProvisionCommand(program: Command): void {
  program
    .command('provision')
    .description("install the pinned Temporal CLI, MinIO server and DVC into the cache, and build TensorFlow's native backend (reused when present)")
    .action(async () => {
      const tools = await provision();
      for (const [name, path] of Object.entries(tools)) console.log(`ctrain: ${name.padEnd(8)} ${path}`);
      // The native backend only makes training faster: without it ctrain trains on wasm, so set-up goes on.
      const native = await provisionNativeTensorflow().catch((error: unknown) => ({ ok: false as const, reason: error instanceof Error ? error.message : String(error) }));
      if (native.ok) console.log(`ctrain: native TensorFlow backend ${native.addon}`);
      else console.warn(`ctrain: native TensorFlow backend not set up, training will use wasm: ${native.reason} (${NATIVE_TENSORFLOW_ENV}=0 skips it)`);
    });
}
