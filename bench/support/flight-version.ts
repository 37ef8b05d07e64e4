import { requestRun, waitForRun } from '../../clients/model-client.js';
import { startWorkers } from '../../harness/workers.js';
import type { TestStack } from '../../harness/test-stack.js';
import type { BenchTemporal } from './stack.js';

/**
 * Registers a flight-delay version to serve or score with, from a small, quick training: serving
 * and scoring speed depend on the network's shape, not on its accuracy. Its version number.
 */
export async function trainFlightDelayVersion(stack: TestStack, temporal: BenchTemporal, reason: string): Promise<number> {
  const workers = await startWorkers(stack, temporal);
  try {
    const overrides = { source: { limit: 30_000 }, training: { epochs: 2 }, evaluation: { threshold: 0 } };
    const { runId } = await requestRun(temporal.client, 'flight-delay', { source: 'cli', reason, overrides }, workers);
    const { run } = await waitForRun(temporal.client, 'flight-delay', runId, 200);
    if (run.status !== 'registered' || run.version === undefined) throw new Error(`the benchmark's training run (${reason}) ended ${run.status}: ${run.error ?? ''}`);
    return run.version;
  } finally {
    await workers.stop();
  }
}
