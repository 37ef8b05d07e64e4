/**
 * A private Temporal + MinIO stack for one benchmark section, the way the tests start theirs:
 * real servers on free loopback ports, torn down afterwards.
 */
import { provision } from '../../stack/provision.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { TestStack } from '../../harness/test-stack.js';
import { startTestStack, stopTestStack } from '../../harness/test-stack.js';

export type BenchTemporal = Awaited<ReturnType<typeof connectTemporal>>;

export async function withBenchStack<T>(use: (stack: TestStack, temporal: BenchTemporal) => Promise<T>): Promise<T> {
  const stack = await startTestStack(await provision(() => undefined));
  let temporal: BenchTemporal | undefined;
  try {
    temporal = await connectTemporal(stack);
    return await use(stack, temporal);
  } finally {
    await temporal?.close();
    await stopTestStack();
  }
}
