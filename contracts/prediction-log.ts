/**
 * The prediction log's records, as the model server writes them to the logs bucket and as
 * deploy (canary assessment) and the drift check read them back.
 */

/**
 * The layout of a prediction-log line, written into each as `format`. 1 (no `format` field): the
 * inputs' personal columns were hashed by the columns the server was configured with. 2: by the
 * columns of the spec stored with the version that answered; one line per prediction. 3: a
 * predictions line holds a whole request's predictions, its `ids`, `scores` and `inputs` side by
 * side with the fields they share written once ({@link PredictionRequestLine}), which makes the log
 * less than half as large; outcome lines are as before.
 */
export const PREDICTION_LOG_FORMAT = 3;

/** Aliases the model server answers with. */
export type ServedAlias = 'production' | 'canary';

/** One logged prediction: one line of a predictions object. */
export interface PredictionRecord {
  /** {@link PREDICTION_LOG_FORMAT} as written; absent in lines of format 1. */
  format?: number;
  /** Unique per prediction; outcomes refer to it. */
  id: string;
  /** ISO time the prediction was made. */
  at: string;
  /** The model's name: `model` in these lines, as people and their queries read them, like the HTTP path and the metric labels. */
  model: string;
  version: number;
  alias: ServedAlias;
  /** The HTTP request it was part of (a batch shares one). */
  requestId: string;
  /** The row as posted. */
  input: unknown;
  score: number;
  /** Milliseconds from the request's arrival to its scores. */
  latencyMs?: number;
}

/** A predictions line of format 3: one request's predictions (or the sampled ones), the i-th of each list belonging together. */
export interface PredictionRequestLine extends Omit<PredictionRecord, 'id' | 'input' | 'score'> {
  ids: string[];
  /** A score that is no number is written as null. */
  scores: (number | null)[];
  inputs: unknown[];
}

/** The predictions of one line of any format, one record each. */
export function predictionRecordsOf(line: PredictionRecord | PredictionRequestLine): PredictionRecord[] {
  if (!('ids' in line)) return [line];
  const { ids, scores, inputs, ...shared } = line;
  // A null score reads back as null, as in a line of format 2.
  return ids.map((id, i) => ({ ...shared, id, input: inputs[i], score: scores[i] as number }));
}

/** One outcome posted back for an earlier prediction: one line of an outcomes object. */
export interface OutcomeRecord {
  /** {@link PREDICTION_LOG_FORMAT} as written; absent in lines of format 1. */
  format?: number;
  /** The prediction's id. */
  id: string;
  /** ISO time the outcome was received. */
  at: string;
  /** The model's name (see {@link PredictionRecord.model}). */
  model: string;
  label: number | boolean;
}

export type LogKind = 'predictions' | 'outcomes';
