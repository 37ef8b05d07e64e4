/**
 * The prediction log's uploads, in a thread of their own: the storage client hashes each body
 * twice (MD5 and SHA-256) before it sends it, some 3 ms a megabyte that would otherwise hold up
 * answers. Each message is one object to put; each reply says it is stored or why not.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ObjectStoreConfig } from '../storage/gateway.js';
import { ObjectStore } from '../storage/gateway.js';
import type { UploadReply, UploadRequest } from './log-uploads.js';

const storage = new ObjectStore(workerData as ObjectStoreConfig);
const port = parentPort!;

port.on('message', ({ id, ref, body, contentType }: UploadRequest) => {
  storage.putBuffer(ref, Buffer.from(body.buffer, body.byteOffset, body.byteLength), contentType).then(
    () => port.postMessage({ id } satisfies UploadReply),
    (error: unknown) => port.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies UploadReply),
  );
});
