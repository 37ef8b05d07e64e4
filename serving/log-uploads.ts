/**
 * Puts prediction log objects from a thread of their own (serving/log-upload-thread.ts), so the
 * hashing and sending of each body never holds up an answer. A body is copied to the thread, so a
 * failed put can be retried from the one kept here. A thread that dies fails what it held and is
 * started again on the next put.
 */
import type { Worker } from 'node:worker_threads';
import type { ObjectRef } from '../contracts/pipeline-run.js';
import { startModuleThread } from '../infra/module-thread.js';
import type { ObjectStoreConfig } from '../storage/gateway.js';

export interface UploadRequest {
  id: number;
  ref: ObjectRef;
  body: Uint8Array;
  contentType: string;
}

export interface UploadReply {
  id: number;
  /** Why the put failed; absent when the object is stored. */
  error?: string;
}

export class ThreadedUploads {
  private thread: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  constructor(private readonly config: ObjectStoreConfig) {}

  putBuffer(ref: ObjectRef, body: Buffer, contentType: string): Promise<void> {
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    // A body is a view into a larger buffer that a clone would copy whole: copy just its bytes, then hand them over.
    const bytes = new Uint8Array(body);
    const thread = this.started();
    // Held puts keep the process alive, as a put from the event loop would; an idle thread does not.
    thread.ref();
    thread.postMessage({ id, ref, body: bytes, contentType } satisfies UploadRequest, [bytes.buffer]);
    return done;
  }

  /** Stops the thread; puts not answered by then fail. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    await thread?.terminate();
    this.failAll(new Error('the prediction log upload thread was stopped'));
  }

  private started(): Worker {
    if (this.thread) return this.thread;
    const thread = startModuleThread(import.meta.url, 'log-upload-thread', this.config);
    thread.on('message', ({ id, error }: UploadReply) => {
      const waiter = this.waiting.get(id);
      this.waiting.delete(id);
      if (this.waiting.size === 0) thread.unref();
      if (error === undefined) waiter?.resolve();
      else waiter?.reject(new Error(error));
    });
    const lost = (error: Error): void => {
      if (this.thread !== thread) return;
      this.thread = undefined;
      this.failAll(error);
    };
    thread.on('error', (error) => lost(error));
    thread.on('exit', (code) => lost(new Error(`the prediction log upload thread exited with code ${code}`)));
    return (this.thread = thread);
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
