import { proxyActivities } from '@temporalio/workflow';
import type { StepManifest, trivialActivities } from '../trivial-steps.js';
import { TRIVIAL_STEPS } from '../trivial-steps.js';

const steps = proxyActivities<typeof trivialActivities>({ startToCloseTimeout: '1 minute' });

/** The seven steps as activities, one after the other, each durably recorded in the history. */
export async function trivialDagWorkflow(run: string): Promise<StepManifest | null> {
  let previous: StepManifest | null = null;
  for (const name of TRIVIAL_STEPS) previous = await steps[name](run, previous);
  return previous;
}
