/**
 * Workflow code for the model workflow's decision tests: the real model workflow, and a training
 * pipeline that trains nothing. Its child runs ask the test (through `cannedRun`, an activity the
 * test defines) for the result to hand back, so a test decides each run's outcome and timing.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { PipelineRunInput, PipelineRunResult } from '../../../contracts/pipeline-run.js';

export { modelWorkflow } from '../../../workflows/model.js';

export interface CannedRunActivities {
  cannedRun(input: PipelineRunInput): Promise<PipelineRunResult>;
}

const { cannedRun } = proxyActivities<CannedRunActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });

/** Stands in for the real pipeline under its workflow type name, which the model workflow starts as its child. */
export async function trainingPipelineWorkflow(input: PipelineRunInput): Promise<PipelineRunResult> {
  return await cannedRun(input);
}
