/** The Temporal Schedules ctrain keeps per deployed model. */

/** Runs the drift check every `drift.check`. */
export const driftScheduleId = (modelName: string): string => `drift-check:${modelName}`;
/** Signals a retraining every `drift.retrainEvery`, when the spec asks for it. */
export const retrainScheduleId = (modelName: string): string => `retrain:${modelName}`;

/** Input of the scheduled workflows. */
export interface ScheduledModelInput {
  modelName: string;
}
/** Starts a batch score of the model on its cron (`ctrain schedule score`). */
export const batchScoreScheduleId = (modelName: string): string => `batch-score:${modelName}`;
