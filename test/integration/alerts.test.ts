import { Client } from '@temporalio/client';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { AlertReceiverConfigError, signBody } from '../../alerts/auth.js';
import { runAlertReceiver } from '../../alerts/main.js';
import type { AlertOutcome } from '../../alerts/plan.js';
import type { AlertReceiver, AlertReceiverOptions } from '../../alerts/server.js';
import { createAlertReceiver } from '../../alerts/server.js';
import { modelWorkflowId } from '../../contracts/model.js';
import type { Registry } from '../../contracts/model.js';
import { alertmanagerPayload, modelWorkflowExists, pollRegistry, uniqueModel } from '../support/alerts-fixtures.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';

const stack = inject('stack');
const TOKEN = 'alert-test-token';
const SECRET = 'alert-test-hmac-secret';
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
const receivers: AlertReceiver[] = [];
const models: string[] = [];

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});
afterAll(async () => {
  await workers?.stop();
  // Model workflows live forever; end this file's once no worker is running them.
  const running = await Promise.all(models.map(async (modelName) => ((await modelWorkflowExists(temporal.client, modelName)) ? modelName : undefined)));
  await Promise.all(running.filter((modelName) => modelName !== undefined).map((modelName) => temporal.client.workflow.getHandle(modelWorkflowId(modelName)).terminate('alert receiver test done').catch(() => undefined)));
  await temporal?.close();
});

function receiver(options: Partial<AlertReceiverOptions> = {}): AlertReceiver {
  const created = createAlertReceiver({ client: temporal.client, taskQueue: workers.taskQueue, trainTaskQueue: workers.trainTaskQueue, auth: { bearerTokens: [TOKEN], hmacSecret: SECRET }, ...options });
  receivers.push(created);
  return created;
}

function model(): string {
  const name = uniqueModel();
  models.push(name);
  return name;
}

const post = (target: AlertReceiver, url: string, body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
  target.app.inject({ method: 'POST', url, payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

const bearer = { authorization: `Bearer ${TOKEN}` };
const outcomesOf = (reply: LightMyRequestResponse): AlertOutcome[] => reply.json<{ outcomes: AlertOutcome[] }>().outcomes;
/** Requests the model workflow recorded a retraining decision for (a run starts only after its debounce window). */
const alertDecisions = (registry: Registry) => registry.decisions.filter((decision) => decision.request.source === 'alert');

describe('the alert receiver signals the model workflow on the real Temporal', () => {
  it('turns a firing Alertmanager alert with a valid bearer token into a run requested by the alert, starting the model workflow', async () => {
    const name = model();
    const reply = await post(receiver(), '/alerts/alertmanager', alertmanagerPayload([{ alertname: 'FeatureDrift', status: 'firing', labels: { model: name }, summary: 'PSI of carrier is 0.31' }]), bearer);

    expect(reply.statusCode, reply.body).toBe(202);
    expect(outcomesOf(reply)).toEqual([{ alert: 'FeatureDrift', model: name, outcome: 'signalled', workflowId: modelWorkflowId(name) }]);
    const registry = await pollRegistry(temporal.client, name, (r) => r.runs.length > 0);
    const [request] = registry.runs[0]!.requests;
    expect(request?.source).toBe('alert');
    expect(request?.reason).toContain('FeatureDrift');
    expect(request?.reason).toContain('PSI of carrier is 0.31');
    expect(request?.evidence).toMatchObject({ alerts: [{ via: 'alertmanager', labels: { alertname: 'FeatureDrift', model: name }, fingerprint: expect.any(String) as string }] });
    const description = await temporal.client.workflow.getHandle(modelWorkflowId(name)).describe();
    expect(description.searchAttributes.ModelName).toEqual([name]);
  });

  it('accepts a plain-form alert signed with the HMAC of its raw body', async () => {
    const name = model();
    const body = JSON.stringify({ model: name, reason: 'MAE doubled on labelled traffic', source: 'grafana', severity: 'critical' });
    const reply = await post(receiver(), '/alerts', body, { 'x-ctrain-signature': signBody(body, SECRET) });

    expect(reply.statusCode, reply.body).toBe(202);
    expect(outcomesOf(reply)).toEqual([{ alert: 'MAE doubled on labelled traffic', model: name, outcome: 'signalled', workflowId: modelWorkflowId(name) }]);
    const registry = await pollRegistry(temporal.client, name, (r) => r.runs.length > 0);
    expect(registry.runs[0]?.requests[0]).toMatchObject({ source: 'alert', reason: 'grafana [critical]: MAE doubled on labelled traffic' });
  });

  it('signals each model once per payload, with the reasons of its firing alerts joined', async () => {
    const [first, second] = [model(), model()];
    const payload = alertmanagerPayload([
      { alertname: 'FeatureDrift', status: 'firing', labels: { model: first } },
      { alertname: 'LabelDrift', status: 'firing', labels: { model: first } },
      { alertname: 'HighLatency', status: 'firing', labels: { model: second } },
      { alertname: 'OldDrift', status: 'resolved', labels: { model: second } },
      { alertname: 'NoModel', status: 'firing' },
    ]);
    const reply = await post(receiver(), '/alerts/alertmanager', payload, bearer);

    expect(reply.statusCode, reply.body).toBe(202);
    expect(outcomesOf(reply).map((outcome) => outcome.outcome)).toEqual(['signalled', 'signalled', 'signalled', 'resolved-ignored', 'no-model-label']);
    const registry = await pollRegistry(temporal.client, first, (r) => alertDecisions(r).length > 0);
    expect(alertDecisions(registry)).toHaveLength(1);
    expect(alertDecisions(registry)[0]?.request.reason).toMatch(/FeatureDrift.*; LabelDrift/);
    const other = await pollRegistry(temporal.client, second, (r) => alertDecisions(r).length > 0);
    expect(alertDecisions(other)).toHaveLength(1);
    expect(alertDecisions(other)[0]?.request.reason).toContain('HighLatency');
    expect(alertDecisions(other)[0]?.request.reason).not.toContain('OldDrift');
  });

  it('answers 401 to missing or invalid credentials and starts no workflow', async () => {
    const name = model();
    const target = receiver();
    const body = JSON.stringify(alertmanagerPayload([{ alertname: 'FeatureDrift', status: 'firing', labels: { model: name } }]));
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-the-token' },
      { authorization: `Basic ${TOKEN}` },
      { 'x-ctrain-signature': signBody(body, 'not-the-secret') },
      { 'x-ctrain-signature': signBody(`${body} `, SECRET) },
    ];
    for (const headers of attempts) {
      const reply = await post(target, '/alerts/alertmanager', body, headers);
      expect(reply.statusCode, JSON.stringify(headers)).toBe(401);
      expect(reply.json<{ error: string }>().error).toBe('unauthorized');
    }
    // Credentials are checked before the body is read: a bad body without them is a 401 too.
    expect((await post(target, '/alerts', '{not json', {})).statusCode).toBe(401);
    expect(await modelWorkflowExists(temporal.client, name)).toBe(false);
    const metrics = await target.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('ctrain_alerts_auth_failures_total{reason="missing"} 2');
    expect(metrics.body).toContain('ctrain_alerts_auth_failures_total{reason="invalid"} 4');
  });

  it('acknowledges a payload of resolved alerts only and starts no workflow', async () => {
    const name = model();
    const reply = await post(receiver(), '/alerts/alertmanager', alertmanagerPayload([{ alertname: 'FeatureDrift', status: 'resolved', labels: { model: name } }]), bearer);

    expect(reply.statusCode, reply.body).toBe(202);
    expect(outcomesOf(reply)).toEqual([{ alert: 'FeatureDrift', model: name, outcome: 'resolved-ignored' }]);
    expect(await modelWorkflowExists(temporal.client, name)).toBe(false);
  });

  it('acknowledges an alert for a model it does not know and starts no workflow', async () => {
    const name = model();
    const target = receiver({ knownModels: (candidate) => candidate !== name });
    const reply = await post(target, '/alerts', [{ model: name, reason: 'drift' }], bearer);

    expect(reply.statusCode, reply.body).toBe(202);
    expect(outcomesOf(reply)).toEqual([{ alert: 'drift', model: name, outcome: 'unknown-model' }]);
    expect(await modelWorkflowExists(temporal.client, name)).toBe(false);
    const metrics = await target.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('ctrain_alerts_received_total{route="plain",outcome="unknown-model"} 1');
  });

  it('answers 400 naming the problem for malformed JSON and for bodies that break the schema, and starts no workflow', async () => {
    const name = model();
    const target = receiver();
    const cases: { url: string; body: unknown; error: string; message: RegExp }[] = [
      { url: '/alerts/alertmanager', body: '{"alerts": [', error: 'invalid_json', message: /^body is not valid JSON/ },
      { url: '/alerts', body: '', error: 'invalid_json', message: /^body is empty/ },
      { url: '/alerts/alertmanager', body: { ...alertmanagerPayload([{ alertname: 'A', status: 'firing', labels: { model: name } }]), version: '3' }, error: 'invalid_payload', message: /version/ },
      { url: '/alerts/alertmanager', body: { alerts: [{ status: 'burning', labels: { model: name } }] }, error: 'invalid_payload', message: /alerts\[0\]\.status/ },
      { url: '/alerts', body: { model: name }, error: 'invalid_payload', message: /reason/ },
      { url: '/alerts', body: [{ model: name, reason: 'ok' }, { model: name, reason: 42 }], error: 'invalid_payload', message: /\[1\]\.reason/ },
    ];
    for (const { url, body, error, message } of cases) {
      const reply = await post(target, url, body, bearer);
      expect(reply.statusCode, `${url} ${JSON.stringify(body)}`).toBe(400);
      const answer = reply.json<{ error: string; message: string }>();
      expect(answer.error).toBe(error);
      expect(answer.message).toMatch(message);
    }
    expect(await modelWorkflowExists(temporal.client, name)).toBe(false);
  });

  it('answers 503 with the failed signal named when Temporal refuses it, so the sender retries', async () => {
    const name = model();
    // The real server, asked for a namespace it does not have: every signal is refused.
    const target = receiver({ client: new Client({ connection: temporal.client.connection, namespace: `no-such-namespace-${name}` }) });
    const reply = await post(target, '/alerts', [{ model: name, reason: 'drift' }, { model: name, reason: 'more drift' }], bearer);

    expect(reply.statusCode, reply.body).toBe(503);
    const outcomes = outcomesOf(reply);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['signal-failed', 'signal-failed']);
    expect(outcomes[0]?.error).toMatch(/namespace/i);
    expect(await modelWorkflowExists(temporal.client, name)).toBe(false);
    const metrics = (await target.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`ctrain_alerts_signals_total{model="${name}",result="failed"} 1`);
  });

  it('serves health and metrics, counting alerts by outcome and signals sent', async () => {
    const name = model();
    const target = receiver();
    const health = await target.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.json()).toEqual({ status: 'ok' });
    await post(target, '/alerts/alertmanager', alertmanagerPayload([{ alertname: 'A', status: 'firing', labels: { model: name } }, { alertname: 'B', status: 'resolved', labels: { model: name } }]), bearer);

    const metrics = (await target.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('ctrain_alerts_received_total{route="alertmanager",outcome="signalled"} 1');
    expect(metrics).toContain('ctrain_alerts_received_total{route="alertmanager",outcome="resolved-ignored"} 1');
    expect(metrics).toContain(`ctrain_alerts_signals_total{model="${name}",result="sent"} 1`);
    expect(metrics).toContain('ctrain_alerts_signal_duration_seconds_count 1');
  });

  it('measures alert-to-signal latency over 20 HTTP requests; every signal lands', async () => {
    const name = model();
    const target = receiver();
    const url = await target.app.listen({ port: 0, host: '127.0.0.1' });
    const millis: number[] = [];
    for (let i = 0; i < 20; i++) {
      const body = JSON.stringify(alertmanagerPayload([{ alertname: `Drift${i}`, status: 'firing', labels: { model: name } }]));
      const started = performance.now();
      const response = await fetch(`${url}/alerts/alertmanager`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...bearer } });
      millis.push(performance.now() - started);
      expect(response.status).toBe(202);
    }
    const sorted = [...millis].sort((a, b) => a - b);
    const median = (sorted[9]! + sorted[10]!) / 2;
    console.log(
      `alert receiver: HTTP request to signal accepted (signal-with-start awaited in the handler), 20 requests: median ${median.toFixed(1)} ms, ` +
        `min ${sorted[0]!.toFixed(1)} ms, max ${sorted[19]!.toFixed(1)} ms, first (starts the workflow) ${millis[0]!.toFixed(1)} ms`,
    );
    // None lost: the first schedules a run, the other 19 join it during its debounce window.
    const registry = await pollRegistry(temporal.client, name, (r) => alertDecisions(r).length === 20);
    expect(alertDecisions(registry).map((decision) => decision.request.reason.split(' ')[0])).toEqual(Array.from({ length: 20 }, (_, i) => `Drift${i}`));
  });

  it('runs as a process from the environment: tokens, Temporal address, and only shipped pipelines known by default', async () => {
    const env = { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress, CTRAIN_TEMPORAL_NAMESPACE: stack.namespace, CTRAIN_ALERT_TOKENS: 'first-token, second-token' };
    await expect(runAlertReceiver({ port: 0, env: { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress }, handleSignals: false })).rejects.toThrow(AlertReceiverConfigError);

    const name = model();
    const send = (url: string, token: string) =>
      fetch(`${url}/alerts`, { method: 'POST', body: JSON.stringify({ model: name, reason: 'drift' }), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    const shippedOnly = await runAlertReceiver({ port: 0, env, handleSignals: false, logLevel: 'silent', taskQueue: workers.taskQueue });
    try {
      expect((await send(shippedOnly.url, 'third-token')).status).toBe(401);
      const reply = await send(shippedOnly.url, 'second-token');
      expect(reply.status).toBe(202);
      expect(((await reply.json()) as { outcomes: AlertOutcome[] }).outcomes).toEqual([{ alert: 'drift', model: name, outcome: 'unknown-model' }]);
    } finally {
      await shippedOnly.close();
    }
    await shippedOnly.closed;

    const open = await runAlertReceiver({ port: 0, env, handleSignals: false, logLevel: 'silent', taskQueue: workers.taskQueue, knownModels: () => true });
    try {
      expect((await send(open.url, 'first-token')).status).toBe(202);
      const registry = await pollRegistry(temporal.client, name, (r) => alertDecisions(r).length > 0);
      expect(alertDecisions(registry)[0]?.request).toMatchObject({ source: 'alert', reason: 'drift' });
    } finally {
      await open.close();
    }
  });
});
