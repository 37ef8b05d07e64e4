import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { execa } from 'execa';
import type { TestStack } from './test-stack.js';

const CLI = fileURLToPath(new URL('../../bin/ctrain.js', import.meta.url));

/**
 * A `ctrain worker` in its own process (so a test can kill it), ready once it says so.
 * Wrapped in an object: the process itself is a promise, which `await` would wait out.
 */
export async function startWorkerProcess(stack: TestStack, args: string[]): Promise<{ process: ResultPromise }> {
  const child = execa(process.execPath, [CLI, 'worker', ...args], {
    env: { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress, CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint, CTRAIN_DVC_BIN: stack.tools.dvc },
    reject: false,
    buffer: false,
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('ready on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready: ${seen}`)));
  });
  return { process: child };
}
