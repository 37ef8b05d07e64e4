import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@temporalio/client';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { runAlertReceiver } from '../../alerts/main.js';
import type { AlertOutcome } from '../../alerts/plan.js';
import type { AlertReceiver, AlertReceiverOptions } from '../../alerts/server.js';
import { createAlertReceiver } from '../../alerts/server.js';
import { alertmanagerPayload } from '../support/alerts-fixtures.js';

// A lazy client that connects to nothing: any signal the receiver tried to send would fail (503), so a
// 202 for resolved alerts and a 400, 401, 413 or 429 show that nothing was sent.
const client = new Client();
const TOKEN = 'guard-test-token-1';
const OTHER_TOKEN = 'guard-test-token-2';
const receivers: AlertReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

function receiver(options: Partial<AlertReceiverOptions> = {}): AlertReceiver {
  const created = createAlertReceiver({ client, auth: { bearerTokens: [TOKEN, OTHER_TOKEN] }, ...options });
  receivers.push(created);
  return created;
}

const resolved = JSON.stringify(alertmanagerPayload([{ alertname: 'FeatureDrift', status: 'resolved', labels: { model: 'flight-delay' } }]));
const post = (target: AlertReceiver, url: string, body: string, headers: Record<string, string> = {}, remoteAddress?: string): Promise<LightMyRequestResponse> =>
  target.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json', ...headers }, remoteAddress });

describe('the alert receiver under abuse', () => {
  it('answers 429 with Retry-After once a caller passes its rate, counting callers by known token, else by address', async () => {
    // One hour for 3 requests: the test cannot cross the window however slowly it runs.
    const target = receiver({ rateLimit: { max: 3, windowMs: 3_600_000 } });
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (let i = 0; i < 3; i++) expect((await post(target, '/alerts/alertmanager', resolved, bearer)).statusCode).toBe(202);
    const limited = await post(target, '/alerts/alertmanager', resolved, bearer);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(limited.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/more than 3 requests/) as unknown });
    // Both routes share the caller's budget.
    expect((await post(target, '/alerts', '{}', bearer)).statusCode).toBe(429);

    // Another known token from the same address has its own budget; an unknown token counts against the address.
    expect((await post(target, '/alerts/alertmanager', resolved, { authorization: `Bearer ${OTHER_TOKEN}` })).statusCode).toBe(202);
    for (let i = 0; i < 3; i++) expect((await post(target, '/alerts', '{}', { authorization: `Bearer made-up-${i}` })).statusCode).toBe(401);
    expect((await post(target, '/alerts', '{}', { authorization: 'Bearer made-up-again' })).statusCode).toBe(429);
    // Another address is not affected; health and metrics are never limited.
    expect((await post(target, '/alerts', '{}', {}, '10.0.0.7')).statusCode).toBe(401);
    expect((await target.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers 413 to a body over its limit, before reading it as an alert', async () => {
    const target = receiver({ bodyLimit: 1024 });
    const big = JSON.stringify({ model: 'flight-delay', reason: 'x'.repeat(2048) });
    const reply = await post(target, '/alerts', big, { authorization: `Bearer ${TOKEN}` });
    expect([reply.statusCode, reply.json<{ error: string }>().error]).toEqual([413, 'body_too_large']);
  });

  it('answers 400 to alerts whose model label could escape a key prefix, and signals nothing', async () => {
    const target = receiver();
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (const modelName of ['../registry', 'a/b', '%2e%2e', 'Flight-Delay', 'x\u0000y', 'a'.repeat(64)]) {
      const reply = await post(target, '/alerts', JSON.stringify({ model: modelName, reason: 'drift' }), bearer);
      expect(reply.statusCode, modelName).toBe(400);
      const body = reply.json<{ error: string; message: string; outcomes: AlertOutcome[] }>();
      expect(body.error).toBe('invalid_model');
      expect(body.message).toMatch(/^model label ".*" must (be a lowercase slug|be at most 63 characters)/);
      expect(body.outcomes.map((outcome) => outcome.outcome)).toEqual(['invalid-model']);
    }
    const labelled = await post(target, '/alerts/alertmanager', JSON.stringify(alertmanagerPayload([{ alertname: 'Drift', status: 'firing', labels: { model: '../../etc' } }])), bearer);
    expect([labelled.statusCode, labelled.json<{ outcomes: AlertOutcome[] }>().outcomes[0]?.outcome]).toEqual([400, 'invalid-model']);
    expect((await target.app.inject({ url: '/metrics' })).body).toContain('ctrain_alerts_received_total{route="plain",outcome="invalid-model"} 6');
  });

  it('never writes a token or the HMAC secret to its log, even at trace level', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
    const target = receiver({ auth: { bearerTokens: [TOKEN], hmacSecret: 'guard-test-hmac-secret' }, logger: { level: 'trace', stream } });
    await post(target, '/alerts/alertmanager', resolved, { authorization: `Bearer ${TOKEN}` });
    await post(target, '/alerts/alertmanager', resolved, { authorization: 'Bearer guard-test-wrong-token' });
    await post(target, '/alerts', '{}', { 'x-ctrain-signature': 'sha256=guard-test-signature' });
    const log = lines.join('');
    expect(log).toContain('alert refused: missing or invalid credentials');
    for (const secret of [TOKEN, 'guard-test-wrong-token', 'guard-test-hmac-secret', 'guard-test-signature']) expect(log).not.toContain(secret);
  });

  it('runs with tokens read from CTRAIN_ALERT_TOKENS_FILE', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ctrain-alert-tokens-')), 'tokens');
    writeFileSync(file, '# senders\nfrom-file-token\n');
    const running = await runAlertReceiver({ port: 0, client, env: { CTRAIN_ALERT_TOKENS_FILE: file }, handleSignals: false, logLevel: 'silent' });
    try {
      const send = (token: string) => fetch(`${running.url}/alerts/alertmanager`, { method: 'POST', body: resolved, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
      expect((await send('from-file-token')).status).toBe(202);
      expect((await send('# senders')).status).toBe(401);
      expect((await send('not-in-the-file')).status).toBe(401);
    } finally {
      await running.close();
    }
  });
});
