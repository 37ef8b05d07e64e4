/** Alert payloads as senders post them, and polling helpers for the alert receiver's tests. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Registry } from '../../contracts/model.js';
import { modelWorkflowId, registryQuery } from '../../contracts/model.js';
import type { AlertmanagerPayload } from '../../alerts/payloads.js';

/** A model name no shipped pipeline has, unique per test. */
export const uniqueModel = (): string => `alert-test-${randomUUID().slice(0, 8)}`;

export interface ExampleAlert {
  alertname: string;
  status: 'firing' | 'resolved';
  labels?: Record<string, string>;
  summary?: string;
}

/**
 * An Alertmanager (v0.27) webhook body, version 4, as it arrives: one group, each alert with its
 * labels, annotations, times, generator URL and fingerprint.
 */
export function alertmanagerPayload(alerts: readonly ExampleAlert[], commonLabels: Record<string, string> = {}): AlertmanagerPayload {
  const firing = alerts.some((alert) => alert.status === 'firing');
  return {
    receiver: 'ctrain',
    status: firing ? 'firing' : 'resolved',
    alerts: alerts.map((alert, index): AlertmanagerPayload['alerts'][number] => ({
      status: alert.status,
      labels: { alertname: alert.alertname, instance: 'serving:8080', job: 'ctrain-serving', severity: 'warning', ...alert.labels },
      annotations: alert.summary === undefined ? {} : { summary: alert.summary, description: `${alert.summary} for 10 minutes` },
      startsAt: '2024-05-01T10:00:00.000Z',
      endsAt: alert.status === 'resolved' ? '2024-05-01T10:20:00.000Z' : '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus:9090/graph?g0.expr=ctrain_drift_psi+%3E+0.2&g0.tab=1&i=${index}`,
      fingerprint: `${index.toString(16).padStart(4, '0')}c0ffee${index}a1b2c3`,
    })),
    groupLabels: { alertname: alerts[0]?.alertname ?? '' },
    commonLabels: { job: 'ctrain-serving', ...commonLabels },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}:{alertname="ModelDrift"}',
    truncatedAlerts: 0,
  };
}

/** Polls the model workflow's registry until `done` holds for it; gives up (throws) after `attempts` polls. */
export async function pollRegistry(client: Client, modelName: string, done: (registry: Registry) => boolean, attempts = 120, pollMs = 250): Promise<Registry> {
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const registry = await client.workflow.getHandle(modelWorkflowId(modelName)).query(registryQuery);
      if (done(registry)) return registry;
      last = registry;
    } catch (error) {
      // Not yet queryable: the workflow's first task may still be pending.
      last = error;
    }
    await sleep(pollMs);
  }
  throw new Error(`registry of ${modelName} never reached the expected state; last seen: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

/** Whether any workflow (running or closed) has the model workflow's id. */
export async function modelWorkflowExists(client: Client, modelName: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(modelWorkflowId(modelName)).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
