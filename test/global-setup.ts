import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { readState } from '../stack/local-stack.js';
import type { Topology } from '../stack/local-stack.js';
import { provisionProduction } from '../stack/provision-production.js';
import { provision } from '../stack/provision.js';
import type { TestStack } from '../harness/test-stack.js';
import { cleanStaleTestStacks, killTestStackNow, startTestStack, stopTestStack } from '../harness/test-stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: TestStack;
  }
}

/** Starts one real Temporal dev server and MinIO for the whole run, and always tears them down. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  return setUpStack(project, 'embedded');
}

/** One stack of the given topology for the whole run (the production tier: test/production/global-setup.ts), always torn down. */
export async function setUpStack(project: TestProject, topology: Topology): Promise<() => Promise<void>> {
  const cleaned = await cleanStaleTestStacks();
  if (cleaned.length) console.log(`test harness: removed ${cleaned.length} stale stack(s) left by a killed run`);
  const stack = await startTestStack(await provision(), process.pid, topology === 'production' ? await provisionProduction() : undefined);
  const services = (await readState(stack.home))?.services ?? [];
  const onExit = (): void => killTestStackNow(stack, services);
  process.once('exit', onExit);
  project.provide('stack', stack);
  return async () => {
    process.off('exit', onExit);
    await stopTestStack();
  };
}
