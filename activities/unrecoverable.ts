import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import { FormatVersionError } from '../contracts/format-version.js';
import { VersionSpecError } from '../contracts/version-spec.js';
import { PseudonymKeyError } from '../privacy/pseudonym.js';

/** Stored data or settings that no retry can fix: a format newer than this code, a version whose spec is nowhere, personal columns without the key. */
const UNRECOVERABLE = [FormatVersionError, VersionSpecError, PseudonymKeyError];

/** Runs `body`; an unrecoverable error fails the activity for good, with its message, instead of being retried for minutes. */
export async function failForGoodOn<T>(body: () => T | Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (UNRECOVERABLE.some((type) => error instanceof type)) throw ApplicationFailure.nonRetryable((error as Error).message, FAILURE_TYPES.PipelineSpecError);
    throw error;
  }
}
