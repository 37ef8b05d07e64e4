import { Client } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { createAlertReceiver } from '../../alerts/server.js';
import { createModelServer } from '../../serving/server.js';
import { alertmanagerPayload, uniqueModel } from '../support/alerts-fixtures.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectForFile, uniqueId } from '../../harness/temporal.js';

const stack = inject('stack');
const temporal = connectForFile(stack);

describe('HTTP metrics of the model server and the alert receiver', () => {
  it('counts every model-server request by method, route template and status, and times it', async () => {
    const server = await createModelServer({ storage: new ObjectStore(stack.minio), models: [] });
    try {
      const get = (url: string) => server.app.inject({ url });
      expect((await get('/healthz')).statusCode).toBe(200);
      expect((await get('/healthz')).statusCode).toBe(200);
      expect((await get('/v1/models/nope')).statusCode).toBe(404);
      expect((await get('/v1/models/Bad..Name')).statusCode).toBe(400);
      expect((await get('/no/such/route')).statusCode).toBe(404);
      expect((await server.app.inject({ method: 'POST', url: '/v1/models/nope/predict', payload: { row: {} } })).statusCode).toBe(404);

      const text = (await get('/metrics')).body;
      expect(text).toContain('ctrain_serving_http_requests_total{method="GET",route="/healthz",status="200"} 2');
      expect(text).toContain('ctrain_serving_http_requests_total{method="GET",route="/v1/models/:model",status="404"} 1');
      expect(text).toContain('ctrain_serving_http_requests_total{method="GET",route="/v1/models/:model",status="400"} 1');
      // An unknown path is one label value, whatever the path was.
      expect(text).toContain('ctrain_serving_http_requests_total{method="GET",route="(unmatched)",status="404"} 1');
      expect(text).not.toContain('/no/such/route');
      expect(text).toContain('ctrain_serving_http_requests_total{method="POST",route="/v1/models/:model/predict",status="404"} 1');
      expect(text).toContain('ctrain_serving_http_request_duration_seconds_count{method="GET",route="/healthz"} 2');
      expect(text).toMatch(/^ctrain_serving_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/v1\/models\/:model\/predict"\} 1$/m);
      // The predict route keeps its own per-model series.
      expect(text).toContain('ctrain_serving_requests_total{model="(unknown)",version="",alias="",status="404"} 1');
    } finally {
      await server.close();
    }
  });

  it('counts alerts by the model they name and their outcome, without letting callers invent label values', async () => {
    const served = uniqueModel();
    const notServed = uniqueModel();
    // A namespace the server does not have: the signal is refused, so no model workflow is started.
    const client = new Client({ connection: temporal.current.client.connection, namespace: `no-such-namespace-${served}` });
    const receiver = createAlertReceiver({ client, taskQueue: uniqueId('metrics'), auth: { bearerTokens: ['metrics-test-token'] }, knownModels: (modelName) => modelName === served });
    try {
      const payload = alertmanagerPayload([
        { alertname: 'Drift', status: 'firing', labels: { model: served } },
        { alertname: 'Drift', status: 'firing', labels: { model: notServed } },
        { alertname: 'Drift', status: 'resolved', labels: { model: served } },
        { alertname: 'Drift', status: 'firing', labels: { model: '../escape' } },
        { alertname: 'NoModel', status: 'firing', labels: {} },
      ]);
      const reply = await receiver.app.inject({ method: 'POST', url: '/alerts/alertmanager', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json', authorization: 'Bearer metrics-test-token' } });
      expect(reply.statusCode, reply.body).toBe(503);
      expect((await receiver.app.inject({ method: 'POST', url: '/alerts', payload: '{}' })).statusCode).toBe(401);

      const text = (await receiver.app.inject({ url: '/metrics' })).body;
      expect(text).toContain(`ctrain_alerts_outcomes_total{model="${served}",outcome="signal-failed"} 1`);
      expect(text).toContain(`ctrain_alerts_outcomes_total{model="${served}",outcome="resolved-ignored"} 1`);
      expect(text).toContain('ctrain_alerts_outcomes_total{model="(unknown)",outcome="unknown-model"} 1');
      expect(text).toContain('ctrain_alerts_outcomes_total{model="",outcome="invalid-model"} 1');
      expect(text).toContain('ctrain_alerts_outcomes_total{model="",outcome="no-model-label"} 1');
      expect(text).not.toContain(notServed);
      expect(text).not.toContain('escape');
      expect(text).toContain('ctrain_alerts_http_requests_total{method="POST",route="/alerts/alertmanager",status="503"} 1');
      expect(text).toContain('ctrain_alerts_http_requests_total{method="POST",route="/alerts",status="401"} 1');
      expect(text).toContain('ctrain_alerts_http_request_duration_seconds_count{method="POST",route="/alerts/alertmanager"} 1');
    } finally {
      await receiver.close();
    }
  });
});
