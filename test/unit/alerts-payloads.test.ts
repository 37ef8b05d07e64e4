import { describe, expect, it } from 'vitest';
import type { ReceivedAlert } from '../../alerts/payloads.js';
import { parseAlertmanager, parsePlainAlerts } from '../../alerts/payloads.js';
import { MAX_EVIDENCE_ALERTS, MAX_EVIDENCE_BYTES, MAX_REASON_LENGTH, planSignals } from '../../alerts/plan.js';

/** A webhook body as Alertmanager 0.27 posts it: one group, two alerts firing and one resolved. */
const ALERTMANAGER_EXAMPLE = {
  receiver: 'ctrain',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'FeatureDrift', feature: 'carrier', instance: 'serving:8080', job: 'ctrain-serving', model: 'flight-delay', severity: 'critical' },
      annotations: { description: 'PSI of carrier has been above 0.2 for 10 minutes.', summary: 'PSI of carrier is 0.31' },
      startsAt: '2024-05-01T10:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=ctrain_drift_psi%7Bfeature%3D%22carrier%22%7D+%3E+0.2&g0.tab=1',
      fingerprint: '5b2b2bd8e2ee4b2c',
    },
    {
      status: 'firing',
      labels: { alertname: 'HighLatency', instance: 'serving:8080', job: 'ctrain-serving', model: 'seattle-temperature', severity: 'warning' },
      annotations: { summary: 'p95 latency above 250ms' },
      startsAt: '2024-05-01T10:02:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=histogram_quantile%280.95%2C...%29&g0.tab=1',
      fingerprint: '9c1f0e4a7d3b2a11',
    },
    {
      status: 'resolved',
      labels: { alertname: 'LabelDelay', instance: 'serving:8080', job: 'ctrain-serving', model: 'flight-delay', severity: 'info' },
      annotations: {},
      startsAt: '2024-05-01T09:00:00.000Z',
      endsAt: '2024-05-01T09:40:00.000Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=ctrain_outcome_lag_seconds+%3E+3600&g0.tab=1',
      fingerprint: '0d2c0ffee1234567',
    },
  ],
  groupLabels: { job: 'ctrain-serving' },
  commonLabels: { instance: 'serving:8080', job: 'ctrain-serving' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  version: '4',
  groupKey: '{}:{job="ctrain-serving"}',
  truncatedAlerts: 0,
};

const alertsOf = (parsed: ReturnType<typeof parseAlertmanager>): ReceivedAlert[] => {
  if ('problem' in parsed) throw new Error(`expected a valid payload: ${parsed.problem}`);
  return parsed.alerts;
};
const problemOf = (parsed: ReturnType<typeof parseAlertmanager>): string => {
  if (!('problem' in parsed)) throw new Error('expected the payload to be refused');
  return parsed.problem;
};

describe('the Alertmanager webhook body', () => {
  it('reads every alert with its model, state, severity, a reason of alertname and summary, and the alert as evidence', () => {
    const alerts = alertsOf(parseAlertmanager(ALERTMANAGER_EXAMPLE, 'model'));
    expect(alerts.map(({ evidence: _evidence, ...alert }) => alert)).toEqual([
      { name: 'FeatureDrift', firing: true, modelName: 'flight-delay', reason: 'FeatureDrift [critical]: PSI of carrier is 0.31', severity: 'critical' },
      { name: 'HighLatency', firing: true, modelName: 'seattle-temperature', reason: 'HighLatency [warning]: p95 latency above 250ms', severity: 'warning' },
      { name: 'LabelDelay', firing: false, modelName: 'flight-delay', reason: 'LabelDelay [info]', severity: 'info' },
    ]);
    expect(alerts[0]?.evidence).toEqual({ via: 'alertmanager', ...ALERTMANAGER_EXAMPLE.alerts[0] });
  });

  it("takes the model from commonLabels when an alert's own labels lack it, and reads another label when told", () => {
    const payload = {
      ...ALERTMANAGER_EXAMPLE,
      alerts: ALERTMANAGER_EXAMPLE.alerts.map(({ labels: { model: _model, ...labels }, ...alert }) => ({ ...alert, labels: { ...labels, pipeline: 'flight-delay' } })),
      commonLabels: { model: 'seattle-temperature' },
    };
    expect(alertsOf(parseAlertmanager(payload, 'model')).map((alert) => alert.modelName)).toEqual(['seattle-temperature', 'seattle-temperature', 'seattle-temperature']);
    expect(alertsOf(parseAlertmanager(payload, 'pipeline')).map((alert) => alert.modelName)).toEqual(['flight-delay', 'flight-delay', 'flight-delay']);
    expect(alertsOf(parseAlertmanager({ ...payload, commonLabels: {} }, 'model')).map((alert) => alert.modelName)).toEqual([undefined, undefined, undefined]);
  });

  it('names an alert by its fingerprint when it has no alertname', () => {
    const labels = Object.fromEntries(Object.entries(ALERTMANAGER_EXAMPLE.alerts[0]!.labels).filter(([key]) => key !== 'alertname'));
    const [alert] = alertsOf(parseAlertmanager({ alerts: [{ ...ALERTMANAGER_EXAMPLE.alerts[0], labels }] }, 'model'));
    expect(alert?.name).toBe('5b2b2bd8e2ee4b2c');
  });

  it('refuses a body that is not a version 4 webhook, naming the field', () => {
    expect(problemOf(parseAlertmanager({ ...ALERTMANAGER_EXAMPLE, version: '3' }, 'model'))).toMatch(/^body is not an Alertmanager webhook body.*version:/);
    const badStatus = { ...ALERTMANAGER_EXAMPLE, alerts: [ALERTMANAGER_EXAMPLE.alerts[0], { ...ALERTMANAGER_EXAMPLE.alerts[1], status: 'burning' }] };
    expect(problemOf(parseAlertmanager(badStatus, 'model'))).toContain('alerts[1].status');
    const badLabel = { ...ALERTMANAGER_EXAMPLE, alerts: [{ ...ALERTMANAGER_EXAMPLE.alerts[0], labels: { model: 42 } }] };
    expect(problemOf(parseAlertmanager(badLabel, 'model'))).toContain('alerts[0].labels.model');
    expect(problemOf(parseAlertmanager({ receiver: 'ctrain' }, 'model'))).toContain('alerts:');
    expect(problemOf(parseAlertmanager([ALERTMANAGER_EXAMPLE], 'model'))).toContain('(body):');
  });
});

describe('the plain JSON form', () => {
  it('reads one alert or an array; source and severity go into the reason, evidence is kept', () => {
    expect(alertsOf(parsePlainAlerts({ model: 'flight-delay', reason: 'label rate dropped' }))).toEqual([
      { name: 'label rate dropped', firing: true, modelName: 'flight-delay', reason: 'label rate dropped', evidence: { via: 'plain', reason: 'label rate dropped' } },
    ]);
    const alerts = alertsOf(
      parsePlainAlerts([
        { model: 'flight-delay', reason: 'PSI 0.4 on carrier', source: 'grafana', severity: 'critical', evidence: { psi: 0.4 } },
        { model: 'seattle-temperature', reason: 'MAE doubled', severity: 'warning' },
      ]),
    );
    expect(alerts.map((alert) => alert.reason)).toEqual(['grafana [critical]: PSI 0.4 on carrier', 'MAE doubled [warning]']);
    expect(alerts[0]?.evidence).toEqual({ via: 'plain', reason: 'PSI 0.4 on carrier', source: 'grafana', severity: 'critical', evidence: { psi: 0.4 } });
  });

  it('refuses a missing or empty field, naming it with its index', () => {
    expect(problemOf(parsePlainAlerts({ model: 'flight-delay' }))).toContain('reason:');
    expect(problemOf(parsePlainAlerts([{ model: 'a', reason: 'r' }, { model: ' ', reason: 'r' }]))).toContain('[1].model: must not be empty');
    expect(problemOf(parsePlainAlerts([]))).toContain('must hold at least one alert');
    expect(problemOf(parsePlainAlerts({ model: 'a', reason: 'r', evidence: 'high' }))).toContain('evidence:');
    expect(problemOf(parsePlainAlerts('retrain please'))).toContain('(body):');
  });
});

describe('planning signals for one payload', () => {
  const firing = (name: string, modelName: string | undefined, reason = name): ReceivedAlert => ({ name, firing: true, modelName, reason, evidence: { name } });

  it('sends one signal per model, the reasons of its alerts joined once each, and answers every alert', () => {
    const alerts: ReceivedAlert[] = [
      firing('FeatureDrift', 'flight-delay', 'FeatureDrift: carrier'),
      firing('HighLatency', 'seattle-temperature'),
      firing('FeatureDrift', 'flight-delay', 'FeatureDrift: carrier'),
      firing('LabelDrift', 'flight-delay'),
      { name: 'LabelDelay', firing: false, modelName: 'flight-delay', reason: 'LabelDelay', evidence: { name: 'LabelDelay' } },
      firing('Orphan', undefined),
      firing('Elsewhere', 'not-ours'),
    ];
    const { outcomes, signals } = planSignals(alerts, (modelName) => modelName !== 'not-ours');
    expect(signals).toEqual([
      {
        modelName: 'flight-delay',
        workflowId: 'model:flight-delay',
        reason: 'FeatureDrift: carrier; LabelDrift',
        evidence: { alerts: [{ name: 'FeatureDrift' }, { name: 'FeatureDrift' }, { name: 'LabelDrift' }] },
        alerts: [0, 2, 3],
      },
      { modelName: 'seattle-temperature', workflowId: 'model:seattle-temperature', reason: 'HighLatency', evidence: { alerts: [{ name: 'HighLatency' }] }, alerts: [1] },
    ]);
    expect(outcomes).toEqual([
      { alert: 'FeatureDrift', model: 'flight-delay', outcome: 'signalled', workflowId: 'model:flight-delay' },
      { alert: 'HighLatency', model: 'seattle-temperature', outcome: 'signalled', workflowId: 'model:seattle-temperature' },
      { alert: 'FeatureDrift', model: 'flight-delay', outcome: 'signalled', workflowId: 'model:flight-delay' },
      { alert: 'LabelDrift', model: 'flight-delay', outcome: 'signalled', workflowId: 'model:flight-delay' },
      { alert: 'LabelDelay', model: 'flight-delay', outcome: 'resolved-ignored' },
      { alert: 'Orphan', outcome: 'no-model-label' },
      { alert: 'Elsewhere', model: 'not-ours', outcome: 'unknown-model' },
    ]);
  });

  it('plans nothing for a payload of resolved alerts only', () => {
    const { outcomes, signals } = planSignals(alertsOf(parseAlertmanager({ alerts: [{ status: 'resolved', labels: { alertname: 'A', model: 'm' } }] }, 'model')), () => true);
    expect(signals).toEqual([]);
    expect(outcomes).toEqual([{ alert: 'A', model: 'm', outcome: 'resolved-ignored' }]);
  });

  it('cuts a joined reason and the evidence that would be too long', () => {
    const alerts = Array.from({ length: 100 }, (_, i) => firing(`Alert${i}`, 'm', `Alert${i}: ${'x'.repeat(50)}`));
    const [signal] = planSignals(alerts, () => true).signals;
    expect(signal?.reason).toHaveLength(MAX_REASON_LENGTH);
    expect(signal?.reason.endsWith('…')).toBe(true);
    expect(signal?.alerts).toHaveLength(100);
    expect(signal?.evidence).toEqual({ alerts: alerts.slice(0, MAX_EVIDENCE_ALERTS).map((alert) => alert.evidence), omitted: 100 - MAX_EVIDENCE_ALERTS });
  });

  it('keeps the evidence that fits in MAX_EVIDENCE_BYTES as JSON, in order, and counts the rest as omitted', () => {
    // U+FFFD is what a byte that is no UTF-8 reads as: three bytes each once printed.
    const bulky = { ...firing('Bulky', 'm'), evidence: { summary: '\uFFFD'.repeat(MAX_EVIDENCE_BYTES / 3) } };
    const half = (name: string) => ({ ...firing(name, 'm'), evidence: { name, summary: 'x'.repeat(MAX_EVIDENCE_BYTES / 2 - 100) } });
    const [signal] = planSignals([bulky, half('First'), firing('Small', 'm'), half('Second'), half('Third')], () => true).signals;
    expect(signal?.alerts).toEqual([0, 1, 2, 3, 4]);
    expect(signal?.evidence).toEqual({ alerts: [half('First').evidence, { name: 'Small' }, half('Second').evidence], omitted: 2 });
  });
});
