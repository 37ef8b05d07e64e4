/**
 * Request fuzzing (issue 20): no request to the alert receiver, `ctrain ui` or the codec server
 * gets a 5xx from what it carries. fast-check builds requests from each route's schema and
 * beyond it (odd strings and numbers, random JSON, bytes that are no JSON, odd content types,
 * paths, queries and credentials); every reply must be below 500, and every refusal a JSON body
 * with an error code and a message. Runs are seeded, so a failure replays; the counterexamples the
 * fuzz found are kept as explicit cases. Real Temporal and MinIO; the model server has its own file.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signBody } from '../../alerts/auth.js';
import type { AlertReceiver } from '../../alerts/server.js';
import { createAlertReceiver } from '../../alerts/server.js';
import type { CodecServer } from '../../codec/server.js';
import { createCodecServer } from '../../codec/server.js';
import type { Registry, RetrainRequest } from '../../contracts/model.js';
import { modelWorkflowId } from '../../contracts/model.js';
import { BUCKETS } from '../../contracts/stack.js';
import { connectTemporal, uniqueId } from '../../harness/temporal.js';
import { EncryptionCodec, payloadKey } from '../../infra/payload-codec.js';
import { payloadToJson } from '../../infra/payload-json.js';
import { ObjectStore } from '../../storage/gateway.js';
import { registryKeys, runKeys } from '../../storage/layout.js';
import { createUiServer } from '../../ui/server.js';
import { modelWorkflowExists } from '../support/alerts-fixtures.js';
import type { CatalogueEntry } from '../support/bad-input-catalogue.js';
import { catalogueTable, recordBadInput } from '../support/bad-input-catalogue.js';

const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
const SEED = 20_2024;
const TOKEN = `fuzz-token-${randomUUID()}`;
const SECOND_TOKEN = `fuzz-second-${randomUUID()}`;
const SECRET = `fuzz-secret-${randomUUID()}`;
const unique = (name: string): string => `fuzz-${randomUUID().slice(0, 8)}-${name}`;
/** Models the receivers know, so fuzzed alerts reach a real signal-with-start (on a queue no worker polls). */
const SIGNALLED = [unique('a'), unique('b')];
/** Known too, and signalled only by the bulky-evidence case, whose signal it reads back. */
const BULKY_MODEL = unique('bulky');
const UI_MODEL = unique('ui');
const UI_RUN = `${UI_MODEL}.train.20261201T100000000Z`;
const DRIFT_NAME = '20261201T120000000Z';

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let secured: AlertReceiver;
let open: AlertReceiver;
let ui: FastifyInstance;
let codec: CodecServer;
let encryption: EncryptionCodec;
let sealed: string[];
const entries: CatalogueEntry[] = [];
const see = (input: string, where: string, type: string, retryable: boolean | 'n/a'): void => void entries.push(recordBadInput(input, where, type, retryable));

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  const known = [...SIGNALLED, BULKY_MODEL];
  const receiver = { client: temporal.client, taskQueue: uniqueId('fuzz-nobody'), knownModels: (name: string) => known.includes(name) };
  // A limit far above the fuzz's request count: the hook (and its caller key from odd credentials) runs without refusing.
  const rateLimit = { max: 1_000_000, windowMs: 60_000 };
  secured = createAlertReceiver({ ...receiver, rateLimit, auth: { bearerTokens: [TOKEN, SECOND_TOKEN], hmacSecret: SECRET } });
  open = createAlertReceiver({ ...receiver, rateLimit, auth: {}, allowUnauthenticated: true });

  const registry: Registry = { modelName: UI_MODEL, versions: [], aliases: {}, history: [], runs: [{ runId: UI_RUN, status: 'registered', requests: [{ reason: 'fuzz', source: 'cli' }] }], paused: false, decisions: [] };
  await storage.putJson(registryKeys.registry(UI_MODEL), registry);
  await storage.putBuffer(runKeys.report(UI_RUN), Buffer.from('<!doctype html><p>report</p>'), 'text/html; charset=utf-8');
  await storage.putBuffer({ bucket: BUCKETS.artifacts, key: `drift/${UI_MODEL}/reports/${DRIFT_NAME}.html` }, Buffer.from('<!doctype html><p>drift</p>'), 'text/html; charset=utf-8');
  ui = createUiServer({ storage, links: { webUi: 'http://webui.test/namespaces/default' } });

  encryption = new EncryptionCodec([payloadKey(randomBytes(32))]);
  codec = createCodecServer({ codec: encryption, token: TOKEN, corsOrigins: ['http://127.0.0.1:8233'] });
  const payloads = await encryption.encode([defaultPayloadConverter.toPayload({ text: 'sealed' }), defaultPayloadConverter.toPayload(42)]);
  sealed = payloads.map((payload) => JSON.stringify(payloadToJson(payload)));
});

afterAll(async () => {
  await Promise.all([secured?.close(), open?.close(), ui?.close(), codec?.close()]);
  // Model workflows live forever; end the ones this file started.
  for (const name of [...SIGNALLED, BULKY_MODEL]) {
    if (temporal && (await modelWorkflowExists(temporal.client, name))) await temporal.client.workflow.getHandle(modelWorkflowId(name)).terminate('request fuzz done').catch(() => undefined);
  }
  await temporal?.close();
  console.log(catalogueTable('request fuzz', entries));
});

// ---- What requests are made of ----

/** Strings that break assumptions: control characters and NUL, astral and combining characters, lone surrogates, traversal, prototype names, sheer length. */
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', '../../etc/passwd', '..%2F..%2F', '%2e%2e', '__proto__', 'constructor', 'toString', 'x'.repeat(5000), '😀'.repeat(2000)),
  fc.stringMatching(/^[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,4})?$/),
);
/** Number literals as JSON text, including those JavaScript bends: -0, past ±1e308, more digits than a double holds. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.bigInt().map(String),
  fc.constantFrom('-0', '0.0', '1e308', '-1e308', '1e309', '-1e400', '5e-324', '1e-400', '9007199254740993', '123456789012345678901234567890', '1E+2', '-0.0e-0'),
);
const stringText = oddString.map((text) => JSON.stringify(text));
const keyText = fc.oneof(oddString, fc.constantFrom('__proto__', 'constructor', 'prototype', 'model', 'alerts', 'payloads')).map((text) => JSON.stringify(text));
/** JSON text of any shape, written out by hand so keys may repeat or be `__proto__` and numbers keep their odd spelling. */
const { json, object: jsonObject } = fc.letrec<{ json: string; array: string; object: string }>((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, numberText, stringText, fc.constantFrom('true', 'false', 'null'), tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(keyText, tie('json')), { maxLength: 4 }).map((pairs) => `{${pairs.map(([key, value]) => `${key}:${value}`).join(',')}}`),
}));
const deepNesting = fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom<[string, string]>(['[', ']'], ['{"a":', '}'])).map(([depth, [head, tail]]) => `${head.repeat(depth)}1${tail.repeat(depth)}`);
/** Mostly `valid`, now and then `odd`. */
const mostly = (valid: fc.Arbitrary<string>, odd: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: odd });

/**
 * A JSON object of the schema's fields, mostly valid-shaped (`required` ones always there, the
 * others now and then), sometimes any JSON instead; now and then with stray keys.
 */
function objectText(fields: Record<string, fc.Arbitrary<string>>, { required = [], stray = json }: { required?: string[]; stray?: fc.Arbitrary<string> } = {}): fc.Arbitrary<string> {
  const shaped = Object.fromEntries(Object.entries(fields).map(([key, arbitrary]) => [key, fc.oneof({ weight: 12, arbitrary }, { weight: 1, arbitrary: json })]));
  const strays = fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(keyText, stray), { minLength: 1, maxLength: 2 }) });
  return fc
    .tuple(fc.record(shaped, { requiredKeys: required }), strays)
    .map(([present, extra]) => `{${[...Object.entries(present).map(([key, value]) => `${JSON.stringify(key)}:${value}`), ...extra.map(([key, value]) => `${key}:${value}`)].join(',')}}`);
}
const arrayText = (item: fc.Arbitrary<string>, maxLength = 4): fc.Arbitrary<string> => fc.array(item, { maxLength }).map((items) => `[${items.join(',')}]`);

/** The schema-shaped body, or JSON of any shape, deep nesting, text that is no JSON, random bytes. */
const anyBody = (shaped: fc.Arbitrary<string>): fc.Arbitrary<Buffer> =>
  fc
    .oneof(
      { weight: 12, arbitrary: shaped },
      { weight: 3, arbitrary: json },
      { weight: 1, arbitrary: deepNesting },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes)) },
    )
    .map((body) => (Buffer.isBuffer(body) ? body : Buffer.from(body)));

/**
 * A body near the limits, described rather than built, so a counterexample prints short: one unit
 * repeated `count` times between a head and a tail.
 */
interface Bulky {
  head: string;
  /** Latin-1 text, so `\xff` stays one byte that is no UTF-8. */
  unit: string;
  separator: string;
  count: number;
  tail: string;
}
const bulky = (head: string, units: readonly string[], separator: string, tail: string, bytes: number): fc.Arbitrary<Bulky> =>
  fc.constantFrom(...units).map((unit) => ({ head, unit, separator, count: Math.floor(bytes / (unit.length + separator.length)), tail }));
const bulkyBody = ({ head, unit, separator, count, tail }: Bulky): Buffer =>
  Buffer.concat([Buffer.from(head), Buffer.from(Array.from({ length: count }, () => unit).join(separator), 'latin1'), Buffer.from(tail)]);

/** Header values HTTP can carry: visible ASCII, spaces and tabs, and obs-text bytes. */
const headerText = fc.string({ unit: fc.constantFrom(...' \t!"#$%&\'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~\u0080\u00ff'), maxLength: 40 });
/** Mostly JSON as senders label it; else none, odd types and charsets, or any header text. */
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<string | undefined>('application/json', 'application/json; charset=utf-8') },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('application/json; charset=utf-16', 'application/json; charset="latin1"', 'application/json;;;', 'text/plain', 'text/html', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '*/*', 'garbage', ''),
  },
  { weight: 1, arbitrary: headerText },
);
const extraHeaders = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      fc.oneof(fc.constantFrom('accept', 'accept-charset', 'accept-encoding', 'content-encoding', 'origin', 'x-namespace', 'x-forwarded-for', 'cookie', 'x-request-id'), fc.stringMatching(/^x-[a-z0-9-]{1,12}$/)),
      headerText,
      { minKeys: 1, maxKeys: 3 },
    ),
  },
);
/** A query string of odd keys and values, or a raw one with prototype keys, brackets, stray `%` and repeats. */
const query = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.array(fc.tuple(oddString, oddString), { maxLength: 4 }).map((pairs) => `?${pairs.map(([key, value]) => `${encodeText(key)}=${encodeText(value)}`).join('&')}`) },
  { weight: 1, arbitrary: fc.constantFrom('?__proto__[polluted]=1&constructor[prototype][x]=1', '?a[b][c]=1&a=2&a=3', '?%', '?&&==&', `?${'a=1&'.repeat(2000)}`) },
);
/** A path segment as a client would send it: known names, near-valid ones, traversal (plain and encoded), NUL, bad escapes, long and unicode text. */
const segment = (known: readonly string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9.:_-]{0,70}$/) },
    { weight: 2, arbitrary: fc.constantFrom('..', '.', '%2e%2e', '%2E%2E%2F', '..%2F..%2Fetc%2Fpasswd', '..%5c..%5c', '%00', 'a%00b', '%', '%ZZ', '%C0%AE%C0%AE', '%E2%80%AE', 'a%2Fb', '%F0%9F%98%80', 'x'.repeat(120), 'é'.repeat(80)) },
    { weight: 2, arbitrary: oddString.map(encodeText) },
  );
const otherMethod = fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS');

/** Percent-encodes what cannot stand in a URL (a lone surrogate as U+FFFD, as a client would send it). */
function encodeText(text: string): string {
  return text.replace(/[^\x21-\x7e]|[#?&=%]/gu, (char) => [...Buffer.from(char)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

// ---- What every reply must be ----

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const describeRequest = ({ method, url, headers, body }: Sent): string =>
  `${method} ${url.slice(0, 300)} ${JSON.stringify(headers).slice(0, 300)} body(${body?.length ?? 0} bytes): ${body?.subarray(0, 300).toString('utf8') ?? ''}`;

function send(app: FastifyInstance, request: Sent): Promise<LightMyRequestResponse> {
  return app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.body });
}

/** Which answers (status and error code) a property's requests met: to check the fuzz reached past the first refusal. */
type Seen = Set<string>;

/** Below 500, and a refusal is JSON naming the error with a message. Notes the answer in `seen`; answers the parsed body of a JSON reply. */
function expectNoServerError(reply: { statusCode: number; headers: Record<string, string | string[] | number | undefined>; body: string }, request: Sent, seen?: Seen): unknown {
  const context = `${reply.statusCode} ${reply.body.slice(0, 300)} for ${describeRequest(request)}`;
  expect(reply.statusCode, context).toBeLessThan(500);
  if (request.method === 'HEAD' || reply.statusCode === 204) {
    seen?.add(String(reply.statusCode));
    return undefined;
  }
  const type = String(reply.headers['content-type'] ?? '');
  if (reply.statusCode >= 400) {
    expect(type, context).toMatch(/^application\/json/);
    const refusal = JSON.parse(reply.body) as { error?: unknown; message?: unknown };
    expect(typeof refusal.error, context).toBe('string');
    expect(refusal.message, context).toEqual(expect.stringMatching(/\S/));
    seen?.add(`${reply.statusCode} ${String(refusal.error)}`);
    return refusal;
  }
  seen?.add(String(reply.statusCode));
  return type.startsWith('application/json') ? JSON.parse(reply.body) : undefined;
}

// ---- The alert receiver ----

const modelValue = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...SIGNALLED) }, { weight: 2, arbitrary: oddString }).map((name) => JSON.stringify(name));
const status = mostly(fc.constantFrom('"firing"', '"resolved"'), fc.constantFrom('"burning"', '"FIRING"'));
const labelFields = { model: modelValue, alertname: stringText, severity: stringText };
const labels = fc.oneof(objectText(labelFields, { required: ['model'], stray: stringText }), objectText(labelFields, { stray: stringText }));
const annotations = objectText({ summary: stringText }, { stray: stringText });
const alertmanagerBody = objectText(
  {
    version: mostly(fc.constant('"4"'), fc.constantFrom('"3"', '4')),
    groupKey: stringText,
    truncatedAlerts: mostly(fc.nat().map(String), numberText),
    status,
    receiver: stringText,
    groupLabels: labels,
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: stringText,
    alerts: arrayText(objectText({ status, labels, annotations, startsAt: stringText, endsAt: stringText, generatorURL: stringText, fingerprint: stringText }, { required: ['status', 'labels'] })),
  },
  { required: ['alerts'] },
);
const text = mostly(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map((value) => JSON.stringify(`${value}.`)), stringText);
const plainAlert = objectText({ model: modelValue, reason: text, source: text, severity: text, evidence: mostly(jsonObject, json) }, { required: ['model', 'reason'] });
const plainBody = fc.oneof(plainAlert, arrayText(plainAlert));

type Credential = 'none' | 'bearer' | 'bearer-second' | 'bearer-lowercase' | 'bearer-padded' | 'bearer-wrong' | 'bearer-empty' | 'basic' | 'token-only' | 'hmac' | 'hmac-uppercase' | 'hmac-other-body' | 'hmac-garbage' | 'random';
const credential = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<Credential>('bearer', 'hmac', 'bearer-second', 'bearer-lowercase', 'hmac-uppercase', 'bearer-padded') },
  { weight: 3, arbitrary: fc.constantFrom<Credential>('none', 'bearer-wrong', 'bearer-empty', 'basic', 'token-only', 'hmac-other-body', 'hmac-garbage', 'random') },
);

/** The headers a sender with this kind of credential puts on `body`. */
function credentialHeaders(kind: Credential, body: Buffer, random: string): Record<string, string> {
  const upperHmac = () => createHmac('sha256', SECRET).update(body).digest('hex').toUpperCase();
  const headers: Record<Credential, () => Record<string, string>> = {
    none: () => ({}),
    bearer: () => ({ authorization: `Bearer ${TOKEN}` }),
    'bearer-second': () => ({ authorization: `Bearer ${SECOND_TOKEN}` }),
    'bearer-lowercase': () => ({ authorization: `bearer ${TOKEN}` }),
    'bearer-padded': () => ({ authorization: `Bearer \t ${TOKEN}  ` }),
    'bearer-wrong': () => ({ authorization: `Bearer ${TOKEN}x` }),
    'bearer-empty': () => ({ authorization: 'Bearer ' }),
    basic: () => ({ authorization: `Basic ${Buffer.from(`ctrain:${TOKEN}`).toString('base64')}` }),
    'token-only': () => ({ authorization: TOKEN }),
    hmac: () => ({ 'x-ctrain-signature': signBody(body, SECRET) }),
    'hmac-uppercase': () => ({ 'x-ctrain-signature': `sha256=${upperHmac()}` }),
    'hmac-other-body': () => ({ 'x-ctrain-signature': signBody(Buffer.concat([body, Buffer.from(' ')]), SECRET) }),
    'hmac-garbage': () => ({ 'x-ctrain-signature': `sha256=${random}` }),
    random: () => ({ authorization: random, 'x-ctrain-signature': random }),
  };
  return headers[kind]();
}

const alertRequest = (path: string, shaped: fc.Arbitrary<string>) =>
  fc.record({ body: anyBody(shaped), contentType, credential, random: headerText, extra: extraHeaders, query }).map(({ body, contentType: type, credential: kind, random, extra, query: search }): Sent => ({
    method: 'POST',
    url: `${path}${search}`,
    body,
    headers: { ...extra, ...(type === undefined ? {} : { 'content-type': type }), ...credentialHeaders(kind, body, random) },
  }));

const OUTCOMES = ['signalled', 'resolved-ignored', 'unknown-model', 'invalid-model', 'no-model-label'];

/** A 202 answers every alert with one of the outcomes; anything else is one of the documented refusals. */
async function checkAlertReply(receiver: AlertReceiver, request: Sent, seen?: Seen): Promise<void> {
  const reply = await send(receiver.app, request);
  const answer = expectNoServerError(reply, request, seen) as { outcomes?: { alert: unknown; outcome: string }[] } | undefined;
  if (reply.statusCode !== 202) {
    expect(['400 invalid_json', '400 invalid_payload', '400 invalid_model', '401 unauthorized', '413 body_too_large', '415 unsupported_media_type']).toContain(`${reply.statusCode} ${(answer as { error?: string }).error}`);
    return;
  }
  expect(answer?.outcomes, describeRequest(request)).toBeInstanceOf(Array);
  for (const outcome of answer!.outcomes!) {
    expect(typeof outcome.alert).toBe('string');
    expect(OUTCOMES).toContain(outcome.outcome);
    seen?.add(`202 ${outcome.outcome}`);
  }
}

describe('the alert receiver answers every request below 500', () => {
  for (const [path, shaped, seed] of [['/alerts/alertmanager', alertmanagerBody, 1], ['/alerts', plainBody, 2]] as const) {
    it(`POST ${path}: bearer tokens and an HMAC secret configured, as in production (300 runs)`, async () => {
      const seen: Seen = new Set();
      await fc.assert(fc.asyncProperty(alertRequest(path, shaped), (request) => checkAlertReply(secured, request, seen)), { numRuns: 300, seed: SEED + seed });
      expect([...seen]).toEqual(expect.arrayContaining(['202 signalled', '400 invalid_payload', '400 invalid_json', '401 unauthorized', '415 unsupported_media_type']));
    });
    it(`POST ${path}: unauthenticated (300 runs)`, async () => {
      const seen: Seen = new Set();
      await fc.assert(fc.asyncProperty(alertRequest(path, shaped), (request) => checkAlertReply(open, request, seen)), { numRuns: 300, seed: SEED + seed + 10 });
      expect([...seen]).toEqual(expect.arrayContaining(['202 signalled', '400 invalid_payload', '400 invalid_json']));
      expect([...seen]).not.toContain('401 unauthorized');
    });
  }

  it('bodies near the 1 MiB limit and past it, whose evidence prints far larger: 202 or 413 (30 runs)', async () => {
    // 0xff is no UTF-8: each byte reads as a three-byte U+FFFD; 1e20 prints as 21 digits.
    const near = fc.oneof(
      bulky(`{"model":"${SIGNALLED[0]}","reason":"bulk","evidence":{"values":[`, ['1e20', '"\xff"', '-0', '"\\u0000"'], ',', ']}}', 1_000_000),
      bulky(`{"model":"${SIGNALLED[0]}","reason":"`, ['\xff', 'a', '\\n'], '', '"}', 1_000_000),
      bulky(`{"alerts":[{"status":"firing","labels":{"model":"${SIGNALLED[1]}","alertname":"Bulk"},"annotations":{"summary":"`, ['\xff', '\xf0\x9f\x98\x80', '\\u0000'], '', '"}}]}', 1_000_000),
      bulky('[', ['1e20'], ',', ']', 1_200_000),
    );
    const seen: Seen = new Set();
    await fc.assert(
      fc.asyncProperty(near, fc.constantFrom('/alerts', '/alerts/alertmanager'), async (bulk, path) => {
        const request: Sent = { method: 'POST', url: path, body: bulkyBody(bulk), headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } };
        await checkAlertReply(secured, request, seen);
      }),
      { numRuns: 30, seed: SEED + 3 },
    );
    expect([...seen]).toEqual(expect.arrayContaining(['202 signalled', '413 body_too_large']));
  });

  it('GET /healthz and /metrics, and every other method and path: JSON 404s, no 5xx (300 runs)', async () => {
    const request = fc.record({
      method: fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST'), otherMethod),
      path: fc.oneof(fc.constantFrom('/healthz', '/metrics', '/alerts', '/alerts/alertmanager', '/alerts/', '/'), segment(['alerts', 'healthz']).map((part) => `/${part}`), segment(['alertmanager']).map((part) => `/alerts/${part}`)),
      query,
      extra: extraHeaders,
      auth: fc.constantFrom<Record<string, string>>({}, { authorization: `Bearer ${TOKEN}` }),
    });
    const seen: Seen = new Set();
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async ({ method, path, query: search, extra, auth }, usesOpen) => {
        const sent: Sent = { method, url: `${path}${search}`, headers: { ...extra, ...auth } };
        expectNoServerError(await send(usesOpen ? open.app : secured.app, sent), sent, seen);
      }),
      { numRuns: 300, seed: SEED + 4 },
    );
    expect([...seen]).toEqual(expect.arrayContaining(['200', '404 not_found']));
  });
});

// ---- ctrain ui ----

describe('ctrain ui answers every request below 500', () => {
  const uiRequest = (path: fc.Arbitrary<string>) =>
    fc.record({ method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('GET', 'HEAD') }, { weight: 1, arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'OPTIONS') }), path, query, extra: extraHeaders });
  const routes: [string, fc.Arbitrary<string>, number, string[]][] = [
    ['/', fc.constant('/'), 100, ['200']],
    ['/healthz', fc.constant('/healthz'), 100, ['200']],
    ['/models/:model', segment([UI_MODEL, 'no-such-model']).map((model) => `/models/${model}`), 300, ['200', '400 bad_request', '404 not_found']],
    ['/runs/:runId/report', segment([UI_RUN, `${UI_MODEL}.train.x`]).map((runId) => `/runs/${runId}/report`), 300, ['200', '400 bad_request', '404 not_found']],
    ['/models/:model/drift/:name', fc.tuple(segment([UI_MODEL]), segment([DRIFT_NAME, 'nope'])).map(([model, name]) => `/models/${model}/drift/${name}`), 300, ['200', '400 bad_request', '404 not_found']],
    ['other paths', fc.array(segment(['models', 'runs', 'drift', 'report']), { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`), 300, ['404 not_found']],
  ];
  routes.forEach(([route, path, numRuns, reached], index) => {
    it(`${route} (${numRuns} runs)`, async () => {
      const seen: Seen = new Set();
      await fc.assert(
        fc.asyncProperty(uiRequest(path), async ({ method, path: url, query: search, extra }) => {
          const request: Sent = { method, url: `${url}${search}`, headers: extra };
          const reply = await send(ui, request);
          expectNoServerError(reply, request, seen);
          if (reply.statusCode === 200 && method === 'GET' && route !== '/healthz') expect(reply.headers['content-type'], describeRequest(request)).toMatch(/^text\/html/);
        }),
        { numRuns, seed: SEED + 100 + index },
      );
      expect([...seen]).toEqual(expect.arrayContaining(reached));
    });
  });
});

// ---- The codec server ----

describe('the codec server answers every request below 500', () => {
  const base64ish = fc.oneof(fc.base64String({ maxLength: 40 }).map((value) => JSON.stringify(value)), stringText);
  const operationPath = (operation: string) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(`/${operation}`) },
      { weight: 2, arbitrary: fc.array(segment(['default', 'ctrain-test', '']), { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join('/')}/${operation}`) },
      { weight: 1, arbitrary: fc.constantFrom(`//[bad/${operation}`, `//a:b@/${operation}`, `//:99999/${operation}`, `//x%00y/${operation}`, `/\\\\evil/${operation}`) },
    );
  const auth = fc.oneof({ weight: 5, arbitrary: fc.constant(`Bearer ${TOKEN}`) }, { weight: 1, arbitrary: fc.constantFrom(undefined, `Bearer ${TOKEN}x`, TOKEN, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`) });

  for (const [operation, seed] of [['decode', 1], ['encode', 2]] as const) {
    it(`POST …/${operation} (400 runs)`, async () => {
      const metadata = objectText({ encoding: fc.constantFrom('"YmluYXJ5L2VuY3J5cHRlZA=="', '"anNvbi9wbGFpbg=="', '"YmluYXJ5L251bGw="'), 'encryption-key-id': base64ish }, { stray: base64ish });
      const payload = fc.oneof({ weight: 4, arbitrary: objectText({ metadata, data: base64ish }) }, { weight: 2, arbitrary: fc.constantFrom(...sealed) }, { weight: 1, arbitrary: fc.constantFrom(...sealed).map(tamper) });
      const body = anyBody(objectText({ payloads: arrayText(payload) }, { required: ['payloads'] }));
      const request = fc.record({ body, path: operationPath(operation), query, contentType, auth, extra: extraHeaders });
      const seen: Seen = new Set();
      await fc.assert(
        fc.asyncProperty(request, async ({ body: bytes, path, query: search, contentType: type, auth: authorization, extra }) => {
          const sent: Sent = { method: 'POST', url: `${path}${search}`, body: bytes, headers: { ...extra, ...(type === undefined ? {} : { 'content-type': type }), ...(authorization === undefined ? {} : { authorization }) } };
          const reply = await send(codec.app, sent);
          const answer = expectNoServerError(reply, sent, seen) as { payloads?: unknown } | undefined;
          if (reply.statusCode === 200) expect(answer?.payloads, describeRequest(sent)).toBeInstanceOf(Array);
        }),
        { numRuns: 400, seed: SEED + 200 + seed },
      );
      expect([...seen]).toEqual(expect.arrayContaining(['200', '400 invalid_payloads', '401 unauthorized', '415 unsupported_media_type', ...(operation === 'decode' ? ['400 codec_error'] : [])]));
    });
  }

  it('OPTIONS preflights and every other method and path (300 runs)', async () => {
    const request = fc.record({
      method: fc.oneof(fc.constantFrom('OPTIONS', 'GET', 'HEAD', 'POST'), otherMethod),
      path: fc.oneof(operationPath('decode'), fc.array(segment(['encode', 'decode', 'default']), { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`)),
      origin: fc.option(fc.oneof(fc.constantFrom('http://127.0.0.1:8233', 'http://evil.example', 'null', ''), headerText), { nil: undefined }),
      query,
    });
    const seen: Seen = new Set();
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, origin, query: search }) => {
        const sent: Sent = { method, url: `${path}${search}`, headers: { authorization: `Bearer ${TOKEN}`, 'access-control-request-method': 'POST', ...(origin === undefined ? {} : { origin }) } };
        expectNoServerError(await send(codec.app, sent), sent, seen);
      }),
      { numRuns: 300, seed: SEED + 203 },
    );
    expect([...seen]).toEqual(expect.arrayContaining(['204', '404 not_found']));
  });
});

/** A sealed payload with one byte of its ciphertext flipped. */
function tamper(sealedText: string): string {
  const payload = JSON.parse(sealedText) as { data: string };
  const data = Buffer.from(payload.data, 'base64');
  data[data.length - 1]! ^= 0xff;
  return JSON.stringify({ ...payload, data: data.toString('base64') });
}

// ---- Request targets as bytes on the wire ----

describe('raw request targets over loopback HTTP, as no client library would send them', () => {
  let servers: { name: string; port: number }[];
  beforeAll(async () => {
    const listen = async (name: string, app: FastifyInstance) => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { name, port: (app.server.address() as AddressInfo).port };
    };
    servers = [await listen('alert receiver', secured.app), await listen('ui', ui), await listen('codec server', codec.app)];
  });

  it('targets with traversal, NUL, backslashes, scheme-relative and absolute forms, raw unicode, to each server (200 runs)', async () => {
    const rawPart = fc.oneof(segment(['alerts', 'models', UI_MODEL, 'runs', 'decode', 'encode']), fc.constantFrom('..', '\u0000', '\\..\\', '[bad', 'a:b@', ':99999', 'é', '😀'));
    const target = fc.oneof(
      fc.array(rawPart, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`),
      fc.array(rawPart, { minLength: 1, maxLength: 3 }).map((parts) => `//${parts.join('/')}`),
      fc.constantFrom('*', 'http://[/decode', 'http://127.0.0.1/models/x', '/models/x?%', `/${'a'.repeat(20_000)}`, '//[bad/decode', '//a:b@/encode', '//:99999/decode', `/models/${UI_MODEL}`),
    );
    const seen: Seen = new Set();
    await fc.assert(
      fc.asyncProperty(target, fc.constantFrom('GET', 'POST', 'OPTIONS'), async (path, method) => {
        for (const server of servers) {
          const reply = await rawRequest(server.port, method, path, '{"payloads":[]}');
          const context = `${server.name}: ${method} ${JSON.stringify(path.slice(0, 200))} -> ${reply.statusCode} ${reply.body.slice(0, 200)}`;
          expect(reply.statusCode, context).toBeLessThan(500);
          // Node's own parser refuses some targets before any route sees them: a bare 400 or 431 with no body.
          if (reply.statusCode >= 400 && reply.body !== '') expectNoServerError(reply, { method, url: path, headers: {} }, seen);
          else seen.add(String(reply.statusCode));
        }
      }),
      { numRuns: 200, seed: SEED + 300 },
    );
    expect([...seen]).toEqual(expect.arrayContaining(['200', '400 Bad Request', '404 not_found']));
  });
});

/** One HTTP/1.1 request written byte for byte; answers the status, headers and body of the reply. */
function rawRequest(port: number, method: string, target: string, body: string): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, 'latin1'));
    });
    const chunks: Buffer[] = [];
    // A server that never answers fails the run instead of holding it.
    socket.setTimeout(15_000, () => socket.destroy(new Error(`no reply to ${method} ${target.slice(0, 100)}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const bytes = Buffer.concat(chunks);
      const split = bytes.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = bytes.subarray(0, split).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const statusCode = Number(statusLine.split(' ')[1]);
      if (split < 0 || !Number.isInteger(statusCode)) return reject(new Error(`no HTTP reply to ${method} ${target.slice(0, 100)}: ${JSON.stringify(bytes.subarray(0, 100).toString('latin1'))}`));
      const rest = bytes.subarray(split + 4);
      resolve({ statusCode, headers, body: (headers['transfer-encoding'] === 'chunked' ? dechunk(rest) : rest).toString('utf8') });
    });
  });
}

/** The body of a chunked reply. */
function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; ; ) {
    const end = bytes.indexOf('\r\n', at);
    const size = parseInt(bytes.subarray(at, end).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(bytes.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
}

// ---- What the fuzz found, kept as explicit cases; and representative refusals, for the catalogue ----

const post = (app: FastifyInstance, url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers } });
const refusal = (reply: LightMyRequestResponse): string => `HTTP ${reply.statusCode} ${reply.json<{ error: string }>().error}`;

/** The request of the last retrain signal the model workflow received, read from its history. */
async function lastSignalledRequest(modelName: string): Promise<RetrainRequest> {
  const { events } = await temporal.client.workflow.getHandle(modelWorkflowId(modelName)).fetchHistory();
  const signal = (events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes).at(-1)!;
  let payloads = signal.workflowExecutionSignaledEventAttributes!.input!.payloads! as Payload[];
  for (const payloadCodec of [...(temporal.dataConverter.payloadCodecs ?? [])].reverse()) payloads = await payloadCodec.decode(payloads);
  return defaultPayloadConverter.fromPayload<RetrainRequest>(payloads[0]!);
}

describe('counterexamples the fuzz found, and refusals for the catalogue', () => {
  it('codec server: a request target that reads as a scheme-relative URL with a bad host is decoded, not a 500 (was: new URL() threw)', async () => {
    for (const target of ['//[bad/decode', '//a:b@/decode', '//:99999/encode', '//x%00y/decode']) {
      const reply = await post(codec.app, target, '{"payloads":[]}');
      expect([reply.statusCode, reply.json()], target).toEqual([200, { payloads: [] }]);
    }
    see('codec: request target //[bad/decode (an invalid host once read as a URL; was HTTP 500)', 'codec server (…/decode)', 'none (200: the last path segment picks the operation)', 'n/a');
  });

  it('alert receiver: an alert whose evidence prints past Temporal\'s 2 MB payload limit is signalled without it, not a 503 (was: signal refused, sender retries forever)', async () => {
    // The fuzz's counterexample: a 1 MB summary of 0xff bytes, which read as 3 MB of U+FFFD.
    const body = bulkyBody({ head: `{"alerts":[{"status":"firing","labels":{"model":"${BULKY_MODEL}","alertname":"Bulk"},"annotations":{"summary":"`, unit: '\xff', separator: '', count: 1_000_000, tail: '"}}]}' });
    const reply = await post(secured.app, '/alerts/alertmanager', body);
    expect(reply.statusCode, reply.body.slice(0, 300)).toBe(202);
    expect(reply.json<{ outcomes: { outcome: string }[] }>().outcomes.map((outcome) => outcome.outcome)).toEqual(['signalled']);
    const request = await lastSignalledRequest(BULKY_MODEL);
    expect(request.evidence).toEqual({ alerts: [], omitted: 1 });
    expect(request.reason).toMatch(/^Bulk: \uFFFD+…$/);
    see('alert: 1 MB of bytes that are no UTF-8 (3 MB as text; was HTTP 503)', 'alert receiver (evidence cap)', 'none (202, signalled; evidence omitted)', 'n/a');

    const numbers = await post(secured.app, '/alerts', `{"model":"${BULKY_MODEL}","reason":"bulk","evidence":{"values":[${Array.from({ length: 190_000 }, () => '1e20').join(',')}]}}`);
    expect(numbers.statusCode, numbers.body.slice(0, 300)).toBe(202);
    expect((await lastSignalledRequest(BULKY_MODEL)).evidence).toEqual({ alerts: [], omitted: 1 });
    see('alert: evidence of 1e20 x 190 000 (1 MB sent, 4 MB printed; was HTTP 503)', 'alert receiver (evidence cap)', 'none (202, signalled; evidence omitted)', 'n/a');
  });

  it('alert receiver: JSON nested 20 000 deep is a 400 saying so, not "not valid JSON"', async () => {
    const reply = await post(open.app, '/alerts', `${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    expect([reply.statusCode, reply.json()]).toEqual([400, { error: 'invalid_json', message: 'body nests arrays or objects too deeply to read' }]);
    see('alert: JSON nested 20 000 deep', 'alert receiver', refusal(reply), false);
  });

  it('alert receiver: refuses an oversized body, an unparseable content type and missing credentials', async () => {
    const oversized = await post(secured.app, '/alerts', `{"model":"${SIGNALLED[0]}","reason":"${'x'.repeat(1024 * 1024)}"}`);
    expect(oversized.statusCode).toBe(413);
    see('alert: body over 1 MiB', 'alert receiver (body limit)', refusal(oversized), false);
    const garbage = await post(secured.app, '/alerts', '{}', { 'content-type': 'garbage' });
    expect([garbage.statusCode, garbage.json<{ error: string }>().error]).toEqual([415, 'unsupported_media_type']);
    see('alert: Content-Type "garbage"', 'alert receiver', refusal(garbage), false);
    const basic = await post(secured.app, '/alerts', `{"model":"${SIGNALLED[0]}","reason":"r"}`, { authorization: `Basic ${Buffer.from(`ctrain:${TOKEN}`).toString('base64')}` });
    expect(basic.statusCode).toBe(401);
    see('alert: the token sent as Basic credentials', 'alert receiver (auth)', refusal(basic), false);
  });

  it('ctrain ui: refuses path traversal in a model name, a run id and a drift report name', async () => {
    for (const url of ['/models/..%2F..%2Fetc%2Fpasswd', `/runs/..%2F..%2F${UI_MODEL}/report`, `/models/${UI_MODEL}/drift/..%2F..%2Flast-check`]) {
      const reply = await ui.inject({ url });
      expect([reply.statusCode, reply.json<{ error: string }>().error], url).toEqual([400, 'bad_request']);
    }
    see('ui: path traversal (..%2F) in a model, run id or drift name', 'ctrain ui (name rules)', 'HTTP 400 bad_request', false);
    const nul = await ui.inject({ url: '/runs/a%00b/report' });
    expect(nul.statusCode).toBe(400);
    see('ui: NUL (%00) in a run id', 'ctrain ui (name rules)', refusal(nul), false);
  });

  it('codec server: refuses a malformed payload, an altered one, and a body that is no JSON', async () => {
    const malformed = await post(codec.app, '/decode', '{"payloads":[{"data":"***"}]}');
    expect([malformed.statusCode, malformed.json()]).toEqual([400, { error: 'invalid_payloads', message: 'payloads[0].data must be a base64 string' }]);
    see('codec: a payload whose data is not base64', 'codec server (…/decode)', refusal(malformed), false);
    const altered = await post(codec.app, '/decode', `{"payloads":[${tamper(sealed[0]!)}]}`);
    expect([altered.statusCode, altered.json<{ message: string }>().message]).toEqual([400, expect.stringContaining('failed authentication')]);
    see('codec: a sealed payload with one byte flipped', 'codec server (…/decode)', refusal(altered), false);
    const notJson = await post(codec.app, '/encode', '{"payloads": [');
    expect(notJson.statusCode).toBe(400);
    see('codec: a body that is no JSON', 'codec server (…/encode)', refusal(notJson), false);
  });
});
