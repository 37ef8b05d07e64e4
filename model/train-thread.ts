/**
 * Worker-thread entry for trainInThread: trains off the host's event loop, posts each epoch
 * and waits for the parent's acknowledgement (so the parent's checkpoint upload finishes
 * before the next epoch), then posts the exported model.
 */
import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { exportNetwork } from './artifact.js';
import type { EpochAck, PlainError, ThreadInput, ThreadMessage } from './thread-protocol.js';
import { trainNetwork } from './train.js';

const port = parentPort;
if (!port) throw new Error('model/train-thread runs only as a worker thread (see trainInThread)');

const send = (message: ThreadMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

try {
  const { layersModel, ...summary } = await trainNetwork({
    ...(workerData as ThreadInput),
    onEpoch: async (report) => {
      send({ type: 'epoch', report });
      const [ack] = (await once(port, 'message')) as [EpochAck];
      if (ack.type !== 'ack') throw new Error(`Unexpected message from the parent: ${JSON.stringify(ack)}`);
    },
  });
  const bytes = new Uint8Array(await exportNetwork(layersModel));
  layersModel.dispose();
  send({ type: 'done', summary, networkBytes: bytes }, [bytes.buffer]);
} catch (error) {
  send({ type: 'failed', error: toPlain(error) });
}

function toPlain(error: unknown): PlainError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}
