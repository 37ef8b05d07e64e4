import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../contracts/stack.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import { ENCRYPTED_ENCODING } from '../../infra/payload-codec.js';
import { createGeneralWorker } from '../../workers/general.js';
import { stackCheckWorkflow } from '../../workflows/index.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectTemporal, uniqueId } from '../../harness/temporal.js';

const stack = inject('stack');
let encrypted: Awaited<ReturnType<typeof connectTemporal>>;
let plain: Awaited<ReturnType<typeof connectTemporal>>;

beforeAll(async () => {
  // The key reaches the client and the worker the way it reaches ctrain's: through the environment.
  encrypted = await connectTemporal(stack, { CTRAIN_PAYLOAD_KEY: randomBytes(32).toString('base64') });
  plain = await connectTemporal(stack, {});
});
afterAll(async () => {
  await encrypted?.close();
  await plain?.close();
});

describe('payload encryption on the real Temporal server', () => {
  it('keeps only ciphertext in history, while a client with the key reads the result', async () => {
    const taskQueue = uniqueId('encrypted');
    const secret = `confidential ${randomUUID()}`;
    const storage = new ObjectStore(stack.minio);
    const worker = await createGeneralWorker({
      connection: encrypted.workerConnection,
      namespace: stack.namespace,
      deps: { storage, dvc: new Dvc(stack.tools.dvc, datasetRemote(stack.minio)) },
      dataConverter: encrypted.dataConverter,
      taskQueue,
    });
    const args = [{ bucket: BUCKETS.artifacts, key: `tests/${taskQueue}.txt`, text: secret }] as const;
    const result = await worker.runUntil(encrypted.client.workflow.execute(stackCheckWorkflow, { taskQueue, workflowId: taskQueue, args: [...args] }));
    expect(result.readBack).toBe(secret);

    // The history as the server stores it, fetched by a client without the codec.
    const history = await plain.client.workflow.getHandle(taskQueue).fetchHistory();
    const payloads = collectPayloads(history);
    // Workflow input, activity input, activity result, workflow result.
    expect(payloads.length).toBeGreaterThanOrEqual(4);
    for (const payload of payloads) expect(Buffer.from(payload.metadata.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    // Headers are not for codecs: they carry the trace context of the workflow's tracing interceptors, and nothing else.
    const headers = collectHeaders(history);
    expect(headers.length).toBeGreaterThanOrEqual(1);
    for (const fields of headers) {
      expect(Object.keys(fields)).toEqual(['_tracer-data']);
      expect(Object.keys(JSON.parse(Buffer.from(fields['_tracer-data']!.data ?? []).toString()) as object)).toEqual(['traceparent']);
    }
    const bytes = Buffer.concat(collectBytes(history));
    expect(bytes.includes(Buffer.from(secret))).toBe(false);
    expect(bytes.includes(Buffer.from('readBack'))).toBe(false);

    await expect(plain.client.workflow.getHandle(taskQueue).result()).rejects.toThrow(/binary\/encrypted/);
    expect(await encrypted.client.workflow.getHandle(taskQueue).result()).toMatchObject({ readBack: secret });
  });
});

type Found = { metadata: Record<string, Uint8Array>; data?: Uint8Array };

/** Every payload in a history, search attributes (the server indexes those, so no codec touches them) and headers aside. */
function collectPayloads(value: unknown, found: Found[] = []): Found[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const { metadata } = value as { metadata?: unknown };
  if (metadata && typeof metadata === 'object' && 'encoding' in metadata) found.push(value as Found);
  for (const [key, child] of Object.entries(value)) if (key !== 'searchAttributes' && key !== 'header') collectPayloads(child, found);
  return found;
}

/** The fields of every non-empty header in a history. */
function collectHeaders(value: unknown, found: Record<string, Found>[] = []): Record<string, Found>[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  for (const [key, child] of Object.entries(value)) {
    const fields = key === 'header' ? (child as { fields?: Record<string, Found> } | null)?.fields : undefined;
    if (fields && Object.keys(fields).length > 0) found.push(fields);
    else collectHeaders(child, found);
  }
  return found;
}

/** Every byte string anywhere in a history. */
function collectBytes(value: unknown, found: Uint8Array[] = []): Uint8Array[] {
  if (value instanceof Uint8Array) found.push(value);
  else if (value && typeof value === 'object') for (const child of Object.values(value)) collectBytes(child, found);
  else if (typeof value === 'string') found.push(Buffer.from(value));
  return found;
}
