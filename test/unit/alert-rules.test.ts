import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createAlertMetrics } from '../../alerts/metrics.js';
import { installHttpMetrics } from '../../http/metrics.js';
import { createServingMetrics } from '../../serving/metrics.js';
import { WORKER_METRICS } from '../../workers/step-telemetry.js';

const read = (path: string): unknown => parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'), { merge: true });

interface Rule {
  alert?: string;
  record?: string;
  expr?: unknown;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rulesFile = read('deploy/prometheus/rules/ctrain-alerts.yml') as { groups: { name: string; rules: Rule[] }[] };
const rules = rulesFile.groups.flatMap((group) => group.rules);

/** Every metric name ctrain exports: the model server's and alert receiver's registries (HTTP metrics included) and the workers'. */
function exportedNames(): Set<string> {
  const serving = createServingMetrics(() => ({ pendingRows: 0, writtenRows: 0, writtenObjects: 0, failedUploads: 0, droppedRows: 0 }));
  installHttpMetrics(Fastify(), serving.registry, 'ctrain_serving');
  const alerts = createAlertMetrics();
  installHttpMetrics(Fastify(), alerts.registry, 'ctrain_alerts');
  const names = new Set<string>(Object.values(WORKER_METRICS).flatMap((name) => (name === WORKER_METRICS.stepDuration ? histogramSeries(name) : [name])));
  for (const registry of [serving.registry, alerts.registry]) {
    for (const metric of registry.getMetricsAsArray()) for (const name of String(metric.type) === 'histogram' ? histogramSeries(metric.name) : [metric.name]) names.add(name);
  }
  return names;
}

const histogramSeries = (name: string): string[] => [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];

describe('deploy/prometheus/rules/ctrain-alerts.yml', () => {
  it('holds alerts only, each with an expression, a model label, an action and a summary', () => {
    expect(rules.length).toBeGreaterThanOrEqual(6);
    const names = rules.map((rule) => rule.alert);
    expect(new Set(names).size, 'alert names are unique').toBe(names.length);
    for (const rule of rules) {
      const name = rule.alert ?? rule.record ?? '(unnamed)';
      expect(rule.alert, `${name} is an alerting rule`).toMatch(/^Ctrain[A-Z][A-Za-z0-9]+$/);
      expect(typeof rule.expr === 'string' && rule.expr.trim() !== '', `${name} has an expr`).toBe(true);
      // The alert receiver reads the model from this label; each expression must keep it.
      expect(rule.labels?.model, `${name} carries the model label`).toBe('{{ $labels.model }}');
      for (const by of String(rule.expr).matchAll(/\bby \(([^)]*)\)/g)) expect(by[1]!.split(',').map((label) => label.trim()), `${name}: ${by[0]} keeps model`).toContain('model');
      expect(['retrain', 'page'], `${name} action`).toContain(rule.labels?.action);
      expect(['warning', 'critical'], `${name} severity`).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary?.trim(), `${name} has a summary`).toBeTruthy();
      expect(rule.annotations?.description?.trim(), `${name} has a description`).toBeTruthy();
    }
  });

  it('uses only metrics that ctrain exports, under their exact names', () => {
    const exported = exportedNames();
    const used = new Set<string>();
    for (const rule of rules) {
      const metrics = String(rule.expr).match(/\b[a-z_][a-z0-9_]*_[a-z0-9_]+(?=\s*[{[(]|\s*\)|\s*$)/g) ?? [];
      const ctrainMetrics = metrics.filter((name) => name.startsWith('ctrain_') || name.startsWith('temporal_'));
      expect(ctrainMetrics.length, `${rule.alert} reads a metric`).toBeGreaterThan(0);
      for (const name of ctrainMetrics) {
        expect(exported, `${rule.alert} uses ${name}`).toContain(name);
        used.add(name);
      }
    }
    // Drift, the model server and the workers each have an alert.
    expect([...used]).toEqual(expect.arrayContaining([WORKER_METRICS.driftLastDetected, WORKER_METRICS.driftLastCheck, 'ctrain_serving_requests_total', 'ctrain_serving_request_duration_seconds_bucket', WORKER_METRICS.steps]));
  });

  it('asks for retraining on drift only', () => {
    const retrain = rules.filter((rule) => rule.labels?.action === 'retrain').map((rule) => rule.alert);
    expect(retrain.sort()).toEqual(['CtrainFeatureDrift', 'CtrainLivePerformanceDrift', 'CtrainOutcomeDrift']);
  });
});

describe('Prometheus and Alertmanager wiring of the compose stack', () => {
  const prometheus = read('deploy/prometheus/prometheus.yml') as {
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[] }[];
  };
  const compose = read('docker-compose.yml') as { services: Record<string, { command?: string[]; environment?: Record<string, string>; expose?: string[] }> };
  const alertmanager = read('deploy/alertmanager/alertmanager.yml') as {
    route: { receiver: string; routes?: { receiver: string; matchers: string[] }[] };
    receivers: { name: string; webhook_configs?: { url: string; http_config?: { authorization?: { type: string; credentials: string } } }[] }[];
  };

  it('loads the rules file', () => {
    const patterns = prometheus.rule_files.map((glob) => new RegExp(`^${glob.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`));
    expect(patterns.some((pattern) => pattern.test('rules/ctrain-alerts.yml'))).toBe(true);
  });

  it('scrapes the workers, the model server and the alert receiver where compose has them listen', () => {
    const targets = (job: string): string[] => {
      const config = prometheus.scrape_configs.find((scrape) => scrape.job_name === job);
      return [...(config?.static_configs?.flatMap((s) => s.targets) ?? []), ...(config?.dns_sd_configs?.flatMap((d) => d.names.map((name) => `${name}:${d.port}`)) ?? [])];
    };
    for (const role of ['worker', 'trainer']) {
      const environment = compose.services[role]?.environment ?? {};
      expect(environment.CTRAIN_WORKER_METRICS_HOST, `${role} listens beyond loopback`).toBe('0.0.0.0');
      // Workers keep the shared connection settings next to their own.
      expect(environment.CTRAIN_TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(targets(role)).toEqual([`${role}:${environment.CTRAIN_WORKER_METRICS_PORT}`]);
    }
    const portOf = (service: string): string => {
      const command = compose.services[service]?.command ?? [];
      return command[command.indexOf('--port') + 1] ?? '';
    };
    expect(targets('model-server')).toEqual([`model-server:${portOf('model-server')}`]);
    expect(targets('alert-receiver')).toEqual([`alert-receiver:${portOf('alert-receiver')}`]);
  });

  it('sends retrain alerts to the alert receiver with a token it accepts, and page alerts elsewhere', () => {
    const receiverNamed = (name: string) => alertmanager.receivers.find((receiver) => receiver.name === name);
    const route = (labels: Record<string, string>): string =>
      alertmanager.route.routes?.find((child) => child.matchers.every((matcher) => {
        const [, label, value] = /^(\w+)="(.*)"$/.exec(matcher) ?? [];
        return label !== undefined && labels[label] === value;
      }))?.receiver ?? alertmanager.route.receiver;
    for (const rule of rules) {
      const destination = route(rule.labels ?? {});
      if (rule.labels?.action === 'retrain') expect(destination, rule.alert).toBe('ctrain');
      else expect(destination, rule.alert).not.toBe('ctrain');
    }
    const webhook = receiverNamed('ctrain')?.webhook_configs?.[0];
    expect(webhook?.url).toBe(`http://alert-receiver:${compose.services['alert-receiver']?.command?.at(-1)}/alerts/alertmanager`);
    const tokens = /^\$\{CTRAIN_ALERT_TOKENS:-(.*)\}$/.exec(compose.services['alert-receiver']?.environment?.CTRAIN_ALERT_TOKENS ?? '')?.[1]?.split(',');
    expect(webhook?.http_config?.authorization?.type).toBe('Bearer');
    expect(tokens).toContain(webhook?.http_config?.authorization?.credentials);
    expect(compose.services['alert-receiver']?.environment?.CTRAIN_TEMPORAL_ADDRESS, 'the receiver reaches Temporal').toBe('temporal:7233');
  });
});
