import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../infra/module-thread.js';
import { applyNativeDefaults } from './native-settings.js';
import type { EpochAck, PlainError, ThreadInput, ThreadMessage } from './thread-protocol.js';
import type { TrainOptions, TrainSummary } from './train.js';

export interface ThreadTrainOptions extends TrainOptions {
  /** Aborting terminates the training thread at once and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ThreadTrainResult extends TrainSummary {
  /** The trained network (best epoch's weights) as written by exportNetwork. */
  networkBytes: Uint8Array;
}

/**
 * Runs trainNetwork in a worker thread so the caller's event loop (a Temporal worker's
 * heartbeats) stays free. `onEpoch` runs here, in the caller's thread, and is awaited before
 * the thread starts the next epoch.
 */
export async function trainInThread({ data, spec, resumeFrom, onEpoch, signal, backends }: ThreadTrainOptions): Promise<ThreadTrainResult> {
  signal?.throwIfAborted();
  applyNativeDefaults();
  const worker = startTrainThread({ data, spec, resumeFrom, backends });
  return new Promise<ThreadTrainResult>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const onAbort = (): void => settle(() => reject(toError(signal?.reason)));
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (message: ThreadMessage) => {
      // Messages the thread sent before it was stopped still arrive: once settled, none counts.
      if (settled) return;
      if (message.type === 'epoch') {
        // Through then(), so a synchronous throw in onEpoch rejects too instead of escaping the handler.
        Promise.resolve()
          .then(() => onEpoch?.(message.report))
          .then(
            () => {
              if (!settled) worker.postMessage({ type: 'ack' } satisfies EpochAck);
            },
            (error: unknown) => settle(() => reject(toError(error))),
          );
      } else if (message.type === 'done') {
        settle(() => resolve({ ...message.summary, networkBytes: message.networkBytes }));
      } else {
        settle(() => reject(revive(message.error)));
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`Training thread exited with code ${code} before finishing`))));
  });
}

function startTrainThread(input: ThreadInput): Worker {
  return startModuleThread(import.meta.url, 'train-thread', input);
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function revive({ name, message, stack }: PlainError): Error {
  const error = new Error(message);
  error.name = name;
  if (stack) error.stack = stack;
  return error;
}
