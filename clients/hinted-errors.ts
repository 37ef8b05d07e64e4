/**
 * Errors the clients raise on purpose, each with the one line that tells the operator what to do.
 * No imports: cli/errors.ts explains them without loading Temporal or MinIO.
 */

/** An error that knows its hint; cli/errors.ts prints `ctrain: <message>` and `hint: <hint>`. */
export class HintedError extends Error {
  override name = 'HintedError';

  constructor(
    message: string,
    /** One line telling the operator what to do next. */
    readonly hint: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** How to get a worker polling the general task queue, for every "no worker" message. */
export const START_WORKER_HINT = 'start one: `npx ctrain dev up` (starts the stack with its workers) or `npx ctrain worker`';

/** No worker polls the task queue a command needs (or none answered in time). */
export class NoWorkerError extends HintedError {
  override name = 'NoWorkerError';

  constructor(
    readonly taskQueue: string,
    readonly address: string,
    /** What the command was doing when it found no worker, e.g. "the model workflow did not answer within 5 s". */
    detail?: string,
    options?: ErrorOptions,
  ) {
    super(`no ctrain worker is running for task queue ${taskQueue} at ${address}${detail ? ` (${detail})` : ''}`, START_WORKER_HINT, options);
  }
}

/** A wait that reached its deadline; the message says what was waited for and what was done about it. */
export class WaitTimeoutError extends HintedError {
  override name = 'WaitTimeoutError';
}

/** A model without a registry in MinIO: never trained, or not a model at all. */
export class NoRegistryError extends HintedError {
  override name = 'NoRegistryError';
}
