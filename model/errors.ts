/**
 * Named failures of the model module. Activities map the ones retrying cannot fix
 * (bad data, bad spec, a checkpoint from another run, divergence) to non-retryable failures.
 */

/** A TensorFlow.js backend was asked for (by CTRAIN_TF_BACKEND or a preference) and cannot be used. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
}

/** The training spec is malformed: names the field and what was wrong. */
export class InvalidTrainSpecError extends Error {
  override readonly name = 'InvalidTrainSpecError';
}

/** A data split has the wrong shape or a value training cannot use: names the split, row and column. */
export class InvalidTrainingDataError extends Error {
  override readonly name = 'InvalidTrainingDataError';
}

/** A checkpoint was written for a different spec or data shape than the one resuming from it. */
export class CheckpointMismatchError extends Error {
  override readonly name = 'CheckpointMismatchError';
}

/** Bytes that are not a ctrain model or checkpoint, or one of an unknown format version. */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}

/** The loss became NaN or infinite; more epochs will not recover, so training stops. */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';
}
