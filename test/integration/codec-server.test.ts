import { randomBytes, randomUUID } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningCodecServer } from '../../codec/main.js';
import { runCodecServer } from '../../codec/main.js';
import type { EncryptionCodec } from '../../infra/payload-codec.js';
import { ENCRYPTED_ENCODING, payloadCodecFromEnv } from '../../infra/payload-codec.js';
import type { JsonPayload } from '../../infra/payload-json.js';
import { payloadFromJson, payloadToJson } from '../../infra/payload-json.js';
import { ctrain } from '../support/ctrain-cli.js';
import { connectTemporal, uniqueId } from '../../harness/temporal.js';

const stack = inject('stack');
const TOKEN = `codec-token-${randomUUID()}`;
const UI_ORIGIN = 'http://127.0.0.1:18233';
const env = { CTRAIN_PAYLOAD_KEY: randomBytes(32).toString('base64'), CTRAIN_CODEC_TOKEN: TOKEN, CTRAIN_TEMPORAL_UI_PORT: '18233' };

let server: RunningCodecServer;
let codec: EncryptionCodec;

beforeAll(async () => {
  server = await runCodecServer({ port: 0, env, handleSignals: false, logLevel: 'silent' });
  codec = payloadCodecFromEnv(env)!;
});
afterAll(async () => {
  await server?.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: JSON.stringify(body) });
const json = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const value = (payload: JsonPayload): unknown => defaultPayloadConverter.fromPayload(payloadFromJson(payload));

describe('the codec server over HTTP', () => {
  it('decodes what the codec encrypted, in the protocol\'s base64 JSON, at /decode and /<namespace>/decode', async () => {
    const sealed = await codec.encode([json({ text: 'decode me' }), json(42)]);
    for (const path of ['/decode', '/default/decode']) {
      const response = await post(path, { payloads: sealed.map(payloadToJson) });
      expect(response.status).toBe(200);
      const { payloads } = (await response.json()) as { payloads: JsonPayload[] };
      expect(payloads[0]!.metadata).toEqual({ encoding: Buffer.from('json/plain').toString('base64') });
      expect(payloads.map(value)).toEqual([{ text: 'decode me' }, 42]);
    }
  });

  it('encodes into payloads the workers can decrypt, and passes unencrypted ones through /decode', async () => {
    const response = await post('/encode', { payloads: [payloadToJson(json({ signal: 'retrain' }))] });
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: JsonPayload[] };
    const encoded = payloadFromJson(payloads[0]!);
    expect(Buffer.from(encoded.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(defaultPayloadConverter.fromPayload((await codec.decode([encoded]))[0]!)).toEqual({ signal: 'retrain' });

    const clear = payloadToJson(json('already clear'));
    const passed = (await (await post('/decode', { payloads: [clear] })).json()) as { payloads: JsonPayload[] };
    expect(passed.payloads).toEqual([clear]);
  });

  it('answers 401 without the token or with a wrong one', async () => {
    const body = { payloads: [payloadToJson(json('x'))] };
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }] as Record<string, string>[]) {
      const response = await post('/decode', body, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('answers 400 for a bad body and for an altered payload', async () => {
    expect((await post('/decode', { nope: [] })).status).toBe(400);
    expect((await post('/decode', { payloads: [{ data: '***' }] })).status).toBe(400);
    const [sealed] = await codec.encode([json('tamper')]);
    const data = Buffer.from(sealed!.data!);
    data[data.length - 1] = data[data.length - 1]! ^ 0xff;
    const response = await post('/decode', { payloads: [payloadToJson({ ...sealed!, data })] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain('failed authentication');
  });

  it('lets the Web UI\'s origin call it from a browser, and no other origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' } });
    const allowed = await preflight(UI_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await preflight('http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const decoded = await post('/decode', { payloads: [] }, { authorization: `Bearer ${TOKEN}`, origin: UI_ORIGIN });
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  });

  it('refuses to start without a key, or off loopback without a token', async () => {
    await expect(runCodecServer({ port: 0, env: {}, handleSignals: false })).rejects.toThrow('needs the payload keys');
    await expect(runCodecServer({ port: 0, host: '0.0.0.0', env: { CTRAIN_PAYLOAD_KEY: env.CTRAIN_PAYLOAD_KEY }, handleSignals: false })).rejects.toThrow('set CTRAIN_CODEC_TOKEN');
  });
});

describe('the codec server with the real temporal CLI and server', () => {
  let temporal: Awaited<ReturnType<typeof connectTemporal>>;
  beforeAll(async () => {
    temporal = await connectTemporal(stack, env);
  });
  afterAll(async () => {
    await temporal?.close();
  });
  const cli = (args: string[]) => execa(stack.tools.temporal, [...args, '--address', stack.temporalAddress, '--namespace', stack.namespace, '--codec-endpoint', server.url, '--codec-auth', `Bearer ${TOKEN}`]);

  it('shows the plaintext input of an encrypted workflow through `temporal workflow show`', async () => {
    const workflowId = uniqueId('codec-show');
    // No worker serves this queue: the started event alone holds the (encrypted) input.
    const handle = await temporal.client.workflow.start('stackCheckWorkflow', { taskQueue: uniqueId('nobody'), workflowId, args: [{ text: 'shown by the CLI' }] });
    try {
      const { stdout } = await cli(['workflow', 'show', '--workflow-id', workflowId, '--output', 'json']);
      const events = (JSON.parse(stdout) as { events: { workflowExecutionStartedEventAttributes?: { input: { payloads: JsonPayload[] } } }[] }).events;
      const input = events.find((event) => event.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!.input.payloads[0]!;
      expect(value(input)).toEqual({ text: 'shown by the CLI' });
    } finally {
      await handle.terminate('test done');
    }
  });

  it('encrypts the input of `temporal workflow start`', async () => {
    const workflowId = uniqueId('codec-start');
    await cli(['workflow', 'start', '--type', 'stackCheckWorkflow', '--task-queue', uniqueId('nobody'), '--workflow-id', workflowId, '--input', '{"text":"typed at the CLI"}']);
    const handle = temporal.client.workflow.getHandle(workflowId);
    try {
      const started = (await handle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
      const stored = started.input!.payloads![0]!;
      expect(Buffer.from(stored.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
      expect(Buffer.from(stored.data!).includes('typed at the CLI')).toBe(false);
      expect(defaultPayloadConverter.fromPayload((await codec.decode([stored]))[0]!)).toEqual({ text: 'typed at the CLI' });
    } finally {
      await handle.terminate('test done');
    }
  });
});

describe('ctrain codec-server', () => {
  it('has --help, and refuses to start without a key', async () => {
    const help = await ctrain(['codec-server', '--help'], {});
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Usage: ctrain codec-server');
    const refused = await ctrain(['codec-server', '--port', '0'], { CTRAIN_PAYLOAD_KEY: '', CTRAIN_PAYLOAD_KEY_FILE: '' });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('CTRAIN_PAYLOAD_KEY');
  });
});
