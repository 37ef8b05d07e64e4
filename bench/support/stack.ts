/**
 * A private Temporal + MinIO stack for one benchmark section, the way the tests start theirs:
 * real servers on free loopback ports, torn down afterwards; embedded, or the production topology.
 */
import type { Topology } from '../../stack/local-stack.js';
import { provisionProduction } from '../../stack/provision-production.js';
import { provision } from '../../stack/provision.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { TestStack } from '../../harness/test-stack.js';
import { startTestStack, stopTestStack } from '../../harness/test-stack.js';

export type BenchTemporal = Awaited<ReturnType<typeof connectTemporal>>;

export async function withBenchStack<T>(use: (stack: TestStack, temporal: BenchTemporal) => Promise<T>, topology: Topology = 'embedded'): Promise<T> {
  const production = topology === 'production' ? await provisionProduction(() => undefined) : undefined;
  const stack = await startTestStack(await provision(() => undefined), process.pid, production);
  let temporal: BenchTemporal | undefined;
  try {
    temporal = await connectTemporal(stack);
    return await use(stack, temporal);
  } finally {
    await temporal?.close();
    await stopTestStack();
  }
}
