import { ApplicationFailure } from '@temporalio/workflow';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import { nameProblem, quote } from '../contracts/names.js';

/**
 * The model name a workflow was started with, or a failure no retry can mend: a Temporal client
 * can start a workflow with any input, and a name like `../x` must not reach a key or an id.
 */
export function checkedModelName(name: unknown): string {
  const problem = nameProblem(name);
  if (problem !== undefined) throw ApplicationFailure.nonRetryable(`model name ${quote(name)} ${problem}`, FAILURE_TYPES.InvalidNameError);
  return name as string;
}
