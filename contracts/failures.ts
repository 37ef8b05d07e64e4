import { ActivityFailure } from '@temporalio/common';

/**
 * What a failed run comes down to, for a person: the activity (DAG step) it failed in, and the
 * deepest message of its cause chain, without the wrappers ("Child Workflow execution failed",
 * "Activity task failed"). Pure: the model workflow and `ctrain watch` share it.
 */
export function failureCause(error: unknown): { activity?: string; message?: string } {
  const chain: Error[] = [];
  for (let link: unknown = error; link instanceof Error; link = (link as { cause?: unknown }).cause) chain.push(link);
  const activity = chain.find((link): link is ActivityFailure => link instanceof ActivityFailure)?.activityType;
  const message = [...chain].reverse().find((link) => link.message.trim() !== '')?.message;
  return { activity, message };
}
