import { getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { DriftCheckResult } from '../contracts/drift-check.js';
import { STEP_RETRY } from '../contracts/retry.js';
// Schedules that earlier code created pass the model's name as `model`.
import { inputWithModelName } from '../contracts/format-renames.js';
import { modelWorkflowId, retrainSignal } from '../contracts/model.js';
import type { ScheduledModelInput } from '../contracts/schedules.js';
import { checkedModelName } from './model-name.js';

// It heartbeats (activities/heartbeat.ts): a worker killed mid-check is noticed in 30 s, not 10 minutes.
const { checkDrift } = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds', retry: { ...STEP_RETRY, maximumAttempts: 10 } });

/** Started by the model's drift-check Schedule: checks, and signals the model workflow when it finds drift. */
export async function driftCheckWorkflow(input: ScheduledModelInput): Promise<DriftCheckResult> {
  const modelName = checkedModelName(inputWithModelName(input).modelName);
  const result = await checkDrift({ modelName });
  // The outcome verdict includes the live metric; a result without one (an older worker's) has the metric alone.
  const outcomeReason = result.outcome ? (result.outcome.verdict === 'drift' ? result.outcome.reason : undefined) : result.performance?.verdict === 'drift' ? result.performance.reason : undefined;
  const reasons = [result.verdict === 'drift' ? result.reason : undefined, outcomeReason].filter(Boolean);
  if (reasons.length === 0) return result;
  await getExternalWorkflowHandle(modelWorkflowId(modelName)).signal(retrainSignal, {
    reason: reasons.join(' '),
    source: 'drift',
    evidence: { report: result.report, driftedFeatures: result.driftedFeatures, performance: result.performance, outcome: result.outcome && { verdict: result.outcome.verdict, reason: result.outcome.reason }, rows: result.rows, since: result.since, until: result.until },
  });
  return { ...result, signalled: true };
}

/** Started by the model's retrain Schedule, when the spec asks for periodic retraining. */
export async function scheduledRetrainWorkflow(input: ScheduledModelInput): Promise<void> {
  const modelName = checkedModelName(inputWithModelName(input).modelName);
  await getExternalWorkflowHandle(modelWorkflowId(modelName)).signal(retrainSignal, { reason: 'scheduled retraining', source: 'schedule' });
}
