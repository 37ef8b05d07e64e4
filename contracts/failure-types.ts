/**
 * The failure types activities throw on purpose (an ApplicationFailure's `type`, or an error
 * class's name), each said once with whether a retry can fix it. Activities throw with these
 * names; the workflows' retry policy (STEP_RETRY, contracts/retry.ts) stops at NON_RETRYABLE_TYPES.
 * Pure data: workflow code imports it.
 */

/** Failures no retry can fix: the run or batch fails at once, with a message naming the cause. */
export const NON_RETRYABLE_FAILURES = {
  /** The pipeline spec (or an override, or the run to resume) is invalid, unknown or cannot be used as written. */
  PipelineSpecError: 'PipelineSpecError',
  /** The dataset breaks its schema, labels or feature rules; the message names the column or row. */
  DataValidationError: 'DataValidationError',
  /** The source file, object, package or URL does not exist (HTTP 404 or 410). */
  SourceNotFound: 'SourceNotFound',
  /** The source's server refuses it for good (any other 4xx than 404, 408, 410 and 429). */
  SourceRefused: 'SourceRefused',
  /** The source's bytes are not the format it claims (a truncated line, a broken footer, bad UTF-8). */
  UnreadableSource: 'UnreadableSource',
  /** The source holds no rows. */
  EmptyDataset: 'EmptyDataset',
  /** A model, pipeline or dataset name that is no lowercase slug (contracts/names.ts), from any entry point. */
  InvalidNameError: 'InvalidNameError',
  /** The source lies outside what the operator allows workers to read (CTRAIN_SOURCE_ALLOW). */
  SourceNotAllowed: 'SourceNotAllowed',
  /** No trainer worker took the train step from its task queue within training.startWithin. */
  TrainerUnavailable: 'TrainerUnavailable',
  /** The production model's artifacts are gone from storage; a person restores them or rolls back. */
  ProductionModelMissing: 'ProductionModelMissing',
  /** Batch scoring: the model has no registry, so it was never trained. */
  ModelNotFound: 'ModelNotFound',
  /** Batch scoring: the model has no such version or alias. */
  ModelVersionNotFound: 'ModelVersionNotFound',
  /** Batch scoring: the input cannot be read or written back as it is (format, chunk size, a column of mixed types). */
  InvalidInput: 'InvalidInput',
  /** Batch scoring: the output URI is not one ctrain can write to. */
  InvalidOutput: 'InvalidOutput',
  /** Batch scoring: the plan the chunks refer to does not exist. */
  PlanMissing: 'PlanMissing',
  /** Batch scoring: a chunk has no done record when the batch is finished. */
  ChunkMissing: 'ChunkMissing',
  /** Batch scoring: the chunks' row counts do not add up to the input's. */
  ChunkMismatch: 'ChunkMismatch',
  /** Batch scoring: more rows were rejected than maxRejectShare allows. */
  RejectShareExceeded: 'RejectShareExceeded',
} as const;

/** Failures worth retrying, named so that tests and people can tell them apart. */
export const RETRYABLE_FAILURES = {
  /** The source's server could not be reached (refused, unknown host, TLS); it may answer the next attempt. */
  SourceUnreachable: 'SourceUnreachable',
  /** An artifact's bytes do not match the checksum written with them; a re-read may succeed. */
  ArtifactChecksumError: 'ArtifactChecksumError',
} as const;

/** Every named failure type, for throwing: `ApplicationFailure.nonRetryable(message, FAILURE_TYPES.SourceNotFound)`. */
export const FAILURE_TYPES = { ...NON_RETRYABLE_FAILURES, ...RETRYABLE_FAILURES } as const;

export type FailureType = (typeof FAILURE_TYPES)[keyof typeof FAILURE_TYPES];
export type NonRetryableType = (typeof NON_RETRYABLE_FAILURES)[keyof typeof NON_RETRYABLE_FAILURES];

/** The workflows' nonRetryableErrorTypes: a type is retryable or not wherever it is thrown. */
export const NON_RETRYABLE_TYPES: string[] = Object.values(NON_RETRYABLE_FAILURES);
