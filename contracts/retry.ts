import type { RetryPolicy } from '@temporalio/common';
import { NON_RETRYABLE_TYPES } from './failure-types.js';

/**
 * How the workflows retry a step: attempts every 10 s at most, 30 of them, so retries outlast a
 * storage outage of a few minutes; a failure no retry can fix ends the step at once.
 * (initialInterval is Temporal's default, written out.)
 */
export const STEP_RETRY: RetryPolicy = { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 30, nonRetryableErrorTypes: NON_RETRYABLE_TYPES };
