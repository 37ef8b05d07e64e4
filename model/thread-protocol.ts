import type { BackendName } from './backend.js';
import type { Checkpoint } from './checkpoint.js';
import type { EpochReport, TrainSummary } from './train.js';
import type { TrainData, TrainSpec } from './types.js';

/** What the training thread receives as workerData. */
export interface ThreadInput {
  data: TrainData;
  spec: TrainSpec;
  resumeFrom?: Checkpoint;
  backends?: readonly BackendName[];
}

/** An error flattened for postMessage; the parent rebuilds it with the same name. */
export interface PlainError {
  name: string;
  message: string;
  stack?: string;
}

/** Messages from the training thread to its parent. */
export type ThreadMessage =
  | { type: 'epoch'; report: EpochReport }
  | { type: 'done'; summary: TrainSummary; networkBytes: Uint8Array }
  | { type: 'failed'; error: PlainError };

/** The parent's reply to an epoch message, sent once its onEpoch has finished. */
export interface EpochAck {
  type: 'ack';
}
