import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../stack/paths.js';
import type { TestStack } from './test-stack.js';

const CLI = join(PROJECT_ROOT, 'bin', 'ctrain.js');

/**
 * A `ctrain worker` in its own process (so a test can kill it), ready once it says so, with
 * `env` added to the harness's. Wrapped in an object: the process itself is a promise, which
 * `await` would wait out. `stdout()` is everything it has written to stdout so far (its JSON log lines).
 */
export async function startWorkerProcess(stack: TestStack, args: string[], env: Record<string, string> = {}): Promise<{ process: ResultPromise; stdout: () => string }> {
  const child = execa(process.execPath, [CLI, 'worker', ...args], {
    // No metrics endpoint unless `env` asks for one: worker processes started together would share the shell's port.
    env: { CTRAIN_WORKER_METRICS_PORT: '', CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress, CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint, CTRAIN_DVC_BIN: stack.tools.dvc, ...env },
    reject: false,
    buffer: false,
  });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('ready on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready: ${seen}`)));
  });
  return { process: child, stdout: () => seen };
}
