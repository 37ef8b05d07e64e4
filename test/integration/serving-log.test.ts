import { randomUUID } from 'node:crypto';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PredictionRecord } from '../../contracts/prediction-log.js';
import { ThreadedUploads } from '../../serving/log-uploads.js';
import type { LogStorage } from '../../serving/prediction-log.js';
import { PredictionLog } from '../../serving/prediction-log.js';
import { dropBucket } from '../support/raw-minio.js';
import { readLog } from '../support/serving-fixtures.js';
import { ObjectStore } from '../../storage/gateway.js';

const stack = inject('stack');
let storage: ObjectStore;
let uploads: ThreadedUploads;
const buckets: string[] = [];

beforeAll(() => {
  storage = new ObjectStore(stack.minio);
  uploads = new ThreadedUploads(stack.minio);
});
afterAll(async () => {
  await uploads.close();
});
afterEach(async () => {
  for (const bucket of buckets.splice(0)) await dropBucket(stack.minio, bucket);
});

/** A bucket name no other test uses, not created yet. */
function freshBucket(): string {
  const bucket = `ctrain-test-${randomUUID()}`;
  buckets.push(bucket);
  return bucket;
}

const records = (modelName: string, count: number): PredictionRecord[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${modelName}-${i}`, at: new Date().toISOString(), model: modelName, version: 1, alias: 'production', requestId: 'r', input: { x: i }, score: i / count }));

// The server uploads from a thread of its own; both ways must keep every row and retry alike.
describe.each([
  { through: 'the store', logStorage: (): LogStorage => storage },
  { through: 'an upload thread', logStorage: (): LogStorage => uploads },
])('the prediction log, uploading through $through', ({ logStorage }) => {
  it('keeps a batch whose upload failed and writes it on a later flush, without throwing', async () => {
    const bucket = freshBucket();
    const errors: string[] = [];
    const log = new PredictionLog({ storage: logStorage(), bucket, flushMs: 600_000, onError: (error) => errors.push(error.message) });
    log.recordPredictions(records('m', 3));

    // The bucket does not exist yet, so the upload fails: a real MinIO error, not a mock.
    await log.flush();
    expect(log.stats()).toMatchObject({ pendingRows: 3, writtenRows: 0, failedUploads: 1 });
    expect(errors[0]).toMatch(new RegExp(`upload of 3 rows to ${bucket}/m/predictions/.* failed \\(retried on the next flush\\)`));

    await storage.ensureBucket(bucket);
    log.recordPredictions(records('m', 2).map((r) => ({ ...r, id: `${r.id}-late` })));
    await log.close();
    expect(log.stats()).toMatchObject({ pendingRows: 0, writtenRows: 5, writtenObjects: 2, failedUploads: 1 });
    const { lines } = await readLog(storage, 'm', 'predictions', bucket);
    expect(lines.map((line) => line.id).sort()).toEqual(['m-0', 'm-1', 'm-2', 'm-0-late', 'm-1-late'].sort());
  });

  it('writes a large flush as several objects of at most a mebibyte each, ending on whole lines, every prediction once', async () => {
    const bucket = freshBucket();
    await storage.ensureBucket(bucket);
    const log = new PredictionLog({ storage: logStorage(), bucket, flushMs: 600_000, flushRows: 1_000_000 });
    // 3,000 one-row requests of about a kilobyte each, then 20 requests of 100 rows: about 5 MB in all.
    const padding = 'x'.repeat(1000);
    log.recordPredictions(records('m', 3000).map((record) => ({ ...record, input: { x: record.id, padding } })));
    for (let k = 0; k < 20; k++) {
      log.recordRequest({ model: 'm', version: 1, alias: 'production', at: new Date().toISOString(), requestId: `r${k}`, latencyMs: 1, ids: Array.from({ length: 100 }, (_, i) => `m-${k}-${i}`), scores: new Float32Array(100).fill(0.5), inputs: Array.from({ length: 100 }, () => ({ padding })) });
    }
    await log.close();
    const keys = await storage.listKeys({ bucket, prefix: 'm/predictions/' });
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const key of keys) {
      const body = await storage.getText({ bucket, key });
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024 * 1024);
      expect(body.endsWith('\n')).toBe(true);
    }
    expect(log.stats()).toMatchObject({ pendingRows: 0, writtenRows: 5000, writtenObjects: keys.length });
    const { lines } = await readLog(storage, 'm', 'predictions', bucket);
    expect(lines).toHaveLength(5000);
    expect(new Set(lines.map((line) => line.id)).size).toBe(5000);
  });

  it('flushes on its own once flushRows rows are buffered', async () => {
    const bucket = freshBucket();
    await storage.ensureBucket(bucket);
    const log = new PredictionLog({ storage: logStorage(), bucket, flushRows: 4, flushMs: 600_000 });
    log.recordPredictions(records('m', 5));
    await log.flush(); // waits for the flush the fifth row started, which took all five
    expect(log.stats()).toMatchObject({ writtenRows: 5, writtenObjects: 1 });
    await log.close();
  });

  it('logs no predictions at sample rate 0 but every outcome, and drops rows beyond maxPendingRows', async () => {
    const bucket = freshBucket();
    await storage.ensureBucket(bucket);
    const errors: string[] = [];
    const log = new PredictionLog({ storage: logStorage(), bucket, sampleRate: 0, maxPendingRows: 2, flushMs: 600_000, onError: (error) => errors.push(error.message) });
    log.recordPredictions(records('m', 10));
    log.recordOutcomes(['a', 'b', 'c'].map((id) => ({ id, at: new Date().toISOString(), model: 'm', label: 1 })));
    expect(log.stats()).toMatchObject({ pendingRows: 2, droppedRows: 1 });
    expect(errors).toEqual(['prediction log dropped 1 rows so far (too many rows not uploaded)']);
    await log.close();
    expect((await readLog(storage, 'm', 'outcomes', bucket)).lines.map((line) => line.id)).toEqual(['a', 'b']);
    expect((await readLog(storage, 'm', 'predictions', bucket)).keys).toEqual([]);
    expect(() => new PredictionLog({ storage: logStorage(), sampleRate: 2 })).toThrow(/sampleRate is 2/);
  });
});

describe('the upload thread', () => {
  it('fails the puts it holds when it is stopped or dies, and starts again on the next put', async () => {
    const bucket = freshBucket();
    await storage.ensureBucket(bucket);
    const thread = new ThreadedUploads(stack.minio);
    const stopped = thread.putBuffer({ bucket, key: 'stopped' }, Buffer.from('a\n'), 'application/x-ndjson');
    await thread.close();
    await expect(stopped).rejects.toThrow('the prediction log upload thread was stopped');

    await thread.putBuffer({ bucket, key: 'again' }, Buffer.from('b\n'), 'application/x-ndjson');
    expect(await storage.getText({ bucket, key: 'again' })).toBe('b\n');
    await thread.close();

    // A thread that cannot open the store dies at its start: the put says why.
    const broken = new ThreadedUploads({ ...stack.minio, endpoint: 'not a url' });
    await expect(broken.putBuffer({ bucket, key: 'never' }, Buffer.from('c\n'), 'application/x-ndjson')).rejects.toThrow(/Invalid URL/);
    await broken.close();
  });

  it('keeps the process alive while it holds a put, and not once it is idle', async () => {
    const bucket = freshBucket();
    await storage.ensureBucket(bucket);
    // Nothing else holds the child's event loop: it must wait for the put, then exit on its own.
    const script = [
      `import { ThreadedUploads } from ${JSON.stringify(new URL('../../serving/log-uploads.ts', import.meta.url).href)};`,
      `const uploads = new ThreadedUploads(${JSON.stringify(stack.minio)});`,
      `void uploads.putBuffer({ bucket: ${JSON.stringify(bucket)}, key: 'held' }, Buffer.from('d\\n'), 'application/x-ndjson').then(() => console.log('stored'));`,
    ].join('\n');
    const child = await execa(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { reject: false, timeout: 60_000 });
    expect({ exitCode: child.exitCode, stdout: child.stdout, timedOut: child.timedOut }).toEqual({ exitCode: 0, stdout: 'stored', timedOut: false });
    expect(await storage.getText({ bucket, key: 'held' })).toBe('d\n');
  });
});
