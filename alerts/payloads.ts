/** The two bodies the alert receiver accepts, checked with zod and brought to one shape. */
import { z } from 'zod';
import { formatPath } from '../contracts/pipeline-spec-rules.js';

/** One alert as the receiver acts on it, whichever body it came in. */
export interface ReceivedAlert {
  /** For outcomes and logs: the alertname, else the fingerprint, else the plain form's reason. */
  name: string;
  firing: boolean;
  /** The model it names; absent when it names none. */
  modelName?: string;
  /** Why a retrain is asked for, as it will read in the run's request. */
  reason: string;
  severity?: string;
  /** What the sender saw, for the retrain request: the alert's labels, annotations and links, or the plain form's fields. */
  evidence: Record<string, unknown>;
}

export type Parsed = { alerts: ReceivedAlert[] } | { problem: string };

const labels = z.record(z.string(), z.string());

const alertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

/** The Alertmanager webhook body, version 4. Only `alerts` is required; `version`, when given, must be "4". */
export const alertmanagerSchema = z.object({
  version: z.literal('4').optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  receiver: z.string().optional(),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().optional(),
  alerts: z.array(alertmanagerAlert),
});
export type AlertmanagerPayload = z.input<typeof alertmanagerSchema>;

const text = z.string().trim().min(1, 'must not be empty');

/** The plain form: `{ model, reason, source?, severity?, evidence? }`, one object or an array of them. */
export const plainAlertSchema = z.object({
  model: text,
  reason: text,
  /** Who sent it (e.g. "grafana"); goes into the reason. */
  source: text.optional(),
  severity: text.optional(),
  evidence: z.record(z.string(), z.unknown()).optional(),
});
export type PlainAlert = z.input<typeof plainAlertSchema>;

/** Reads an Alertmanager body; each alert's model is `labels[modelLabel]`, else the group's `commonLabels[modelLabel]`. */
export function parseAlertmanager(body: unknown, modelLabel: string): Parsed {
  const result = alertmanagerSchema.safeParse(body);
  if (!result.success) return { problem: describeIssues(result.error, 'an Alertmanager webhook body (version 4) with "alerts"') };
  const { alerts, commonLabels } = result.data;
  return {
    alerts: alerts.map((alert) => {
      const name = alert.labels.alertname || alert.fingerprint || 'unnamed alert';
      const severity = alert.labels.severity || undefined;
      return {
        name,
        firing: alert.status === 'firing',
        modelName: alert.labels[modelLabel] || commonLabels[modelLabel] || undefined,
        reason: describe(name, severity, alert.annotations.summary),
        severity,
        evidence: { via: 'alertmanager', ...alert },
      };
    }),
  };
}

/** Reads a plain-form body: one alert object or a non-empty array of them. Every plain alert is firing. */
export function parsePlainAlerts(body: unknown): Parsed {
  const schema = Array.isArray(body) ? z.array(plainAlertSchema).min(1, 'must hold at least one alert') : plainAlertSchema;
  const result = schema.safeParse(body);
  if (!result.success) return { problem: describeIssues(result.error, '{ "model", "reason", "source"?, "severity"?, "evidence"? } or an array of them') };
  const alerts = Array.isArray(result.data) ? result.data : [result.data];
  return {
    alerts: alerts.map(({ model: modelName, reason, source, severity, evidence }) => ({
      name: reason,
      firing: true,
      modelName,
      reason: source ? describe(source, severity, reason) : severity ? `${reason} [${severity}]` : reason,
      severity,
      evidence: { via: 'plain', reason, source, severity, evidence },
    })),
  };
}

/** `HighPSI [critical]: PSI of carrier above 0.2` */
function describe(title: string, severity: string | undefined, detail: string | undefined): string {
  const head = severity ? `${title} [${severity}]` : title;
  return detail ? `${head}: ${detail}` : head;
}

/** Up to five problems, each with its field path, for a 400 reply. */
function describeIssues(error: z.ZodError, expected: string): string {
  const shown = error.issues.slice(0, 5).map((issue) => `${formatPath(issue.path) || '(body)'}: ${issue.message}`);
  const more = error.issues.length > shown.length ? `; and ${error.issues.length - shown.length} more` : '';
  return `body is not ${expected}: ${shown.join('; ')}${more}`;
}
