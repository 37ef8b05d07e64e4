/** The Temporal Schedules ctrain keeps per deployed model. */

/** Runs the drift check every `drift.check`. */
export const driftScheduleId = (model: string): string => `drift-check:${model}`;
/** Signals a retraining every `drift.retrainEvery`, when the spec asks for it. */
export const retrainScheduleId = (model: string): string => `retrain:${model}`;

/** Input of the scheduled workflows. */
export interface ScheduledModelInput {
  model: string;
}
/** Starts a batch score of the model on its cron (`ctrain schedule score`). */
export const batchScoreScheduleId = (model: string): string => `batch-score:${model}`;
