import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { StackCheckInput, StackCheckResult } from '../contracts/stack-check.js';

const { writeAndReadBack } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

/** Round-trips one object through MinIO from an activity. */
export async function stackCheckWorkflow(input: StackCheckInput): Promise<StackCheckResult> {
  return writeAndReadBack(input);
}
