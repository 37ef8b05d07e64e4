import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../contracts/stack.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import { connectClient, dataConverterFromEnv } from '../../infra/temporal-connection.js';
import { CLI_SERVICE_NAME, tracingFromEnv, WORKER_SERVICE_NAME } from '../../infra/tracing.js';
import { createGeneralWorker } from '../../workers/general.js';
import { stackCheckWorkflow } from '../../workflows/index.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectTemporal, uniqueId } from '../../harness/temporal.js';
import { startWorkerProcess } from '../../harness/worker-process.js';

const stack = inject('stack');
let temporal: Awaited<ReturnType<typeof connectTemporal>>;

beforeAll(async () => {
  temporal = await connectTemporal(stack);
});
afterAll(async () => {
  await temporal.close();
});

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}

/** The parts of an OTLP/HTTP JSON trace export this test reads. */
interface TraceExport {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: Omit<ReceivedSpan, 'service'>[] }[] }[];
}

/** An OTLP/HTTP receiver on loopback that keeps every span POSTed to /v1/traces. */
async function startReceiver(): Promise<{ endpoint: string; spans: ReceivedSpan[]; contentTypes: string[]; close: () => Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      contentTypes.push(request.headers['content-type'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString()) as TraceExport;
      for (const { resource, scopeSpans } of body.resourceSpans) {
        const service = resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '';
        for (const { spans: scoped } of scopeSpans) for (const { name, traceId, spanId, parentSpanId } of scoped) spans.push({ service, name, traceId, spanId, parentSpanId: parentSpanId || undefined });
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, spans, contentTypes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('tracing through the Temporal interceptors', () => {
  it('traces a run from the client that starts it through its workflow to its step, one trace, with payloads still encrypted', async () => {
    const receiver = await startReceiver();
    try {
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint };
      const clientTracing = await tracingFromEnv(env);
      const workerTracing = await tracingFromEnv(env, WORKER_SERVICE_NAME);
      expect(clientTracing?.url).toBe(`${receiver.endpoint}/v1/traces`);
      // Encrypted payloads: the trace context rides in headers, which codecs leave alone.
      const { dataConverter } = dataConverterFromEnv({ CTRAIN_PAYLOAD_KEY: randomBytes(32).toString('base64') });
      const client = await connectClient({ address: stack.temporalAddress, namespace: stack.namespace, dataConverter, tracing: clientTracing });
      const taskQueue = uniqueId('tracing');
      const worker = await createGeneralWorker({
        connection: temporal.workerConnection,
        namespace: stack.namespace,
        deps: { storage: new ObjectStore(stack.minio), dvc: new Dvc(stack.tools.dvc, datasetRemote(stack.minio)) },
        dataConverter,
        tracing: workerTracing,
        taskQueue,
      });
      const text = `traced ${taskQueue}`;
      try {
        // runUntil stops the worker after the run, so every workflow span has left through the sink.
        const result = await worker.runUntil(client.workflow.execute(stackCheckWorkflow, { taskQueue, workflowId: taskQueue, args: [{ bucket: BUCKETS.artifacts, key: `tests/${taskQueue}.txt`, text }] }));
        expect(result.readBack).toBe(text);
      } finally {
        await client.connection.close();
      }
      await clientTracing?.flush();
      await workerTracing?.flush();

      expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/json']));
      const byName = (name: string): ReceivedSpan => {
        const found = receiver.spans.filter((span) => span.name === name);
        expect(found, name).toHaveLength(1);
        return found[0]!;
      };
      const start = byName('StartWorkflow:stackCheckWorkflow');
      const run = byName('RunWorkflow:stackCheckWorkflow');
      const schedule = byName('StartActivity:writeAndReadBack');
      const step = byName('RunActivity:writeAndReadBack');
      expect(start).toMatchObject({ service: CLI_SERVICE_NAME, parentSpanId: undefined });
      for (const span of [run, schedule, step]) expect(span).toMatchObject({ service: WORKER_SERVICE_NAME, traceId: start.traceId });
      // Each span is the child of the one before it: client, workflow, the step it starts, the step's run.
      expect([run.parentSpanId, schedule.parentSpanId, step.parentSpanId]).toEqual([start.spanId, run.spanId, schedule.spanId]);
    } finally {
      await receiver.close();
    }
  });

  it('off, still runs the bundled interceptors: their sink drops the spans and the worker logs no error', async () => {
    const taskQueue = uniqueId('untraced');
    const worker = await startWorkerProcess(stack, ['--role', 'general', '--task-queue', taskQueue], { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', CTRAIN_LOG_LEVEL: 'info' });
    try {
      const text = `untraced ${taskQueue}`;
      const result = await temporal.client.workflow.execute(stackCheckWorkflow, { taskQueue, workflowId: taskQueue, args: [{ bucket: BUCKETS.artifacts, key: `tests/${taskQueue}.txt`, text }] });
      expect(result.readBack).toBe(text);
    } finally {
      worker.process.kill('SIGTERM');
      await worker.process;
    }
    // Read once the worker has stopped: whatever its sinks had to say is out.
    const lines = worker
      .stdout()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { msg: string; level: number; tracesUrl?: string });
    expect(lines.find((line) => line.msg.includes('ready on'))).not.toHaveProperty('tracesUrl');
    expect(lines.some((line) => line.msg.startsWith('writeAndReadBack completed'))).toBe(true);
    expect(lines.filter((line) => line.level >= 50 || /sink/i.test(line.msg))).toEqual([]);
  });
});
