/** What to do with one payload's alerts: which models to signal, and an outcome for every alert. */
import { modelWorkflowId } from '../contracts/model.js';
import { nameProblem, quote } from '../contracts/names.js';
import type { ReceivedAlert } from './payloads.js';

export type AlertOutcomeKind = 'signalled' | 'resolved-ignored' | 'unknown-model' | 'invalid-model' | 'no-model-label' | 'signal-failed';

/** One alert's fate, in the reply. */
export interface AlertOutcome {
  /** Alertname, fingerprint or (plain form) reason. */
  alert: string;
  model?: string;
  outcome: AlertOutcomeKind;
  /** The model workflow signalled (or that a failed signal was meant for). */
  workflowId?: string;
  /** Why the signal failed ('signal-failed'), or why the model label is no model name ('invalid-model'). */
  error?: string;
}

/** One retrain signal: every firing alert of a payload for the same model, folded into one reason. */
export interface PlannedSignal {
  modelName: string;
  workflowId: string;
  reason: string;
  /** The evidence of its alerts (up to {@link MAX_EVIDENCE_ALERTS}, within {@link MAX_EVIDENCE_BYTES}), as `{ alerts: [...], omitted? }`. */
  evidence: Record<string, unknown>;
  /** Indexes into the payload's alerts (and outcomes) this signal answers for. */
  alerts: number[];
}

/** A reason longer than this is cut, so one noisy payload cannot bloat the model workflow's history. */
export const MAX_REASON_LENGTH = 2000;
/** Alerts whose evidence goes with one signal; the rest are counted as `omitted`. */
export const MAX_EVIDENCE_ALERTS = 20;
/**
 * Bytes of evidence (as JSON) one signal carries at most; an alert whose evidence does not fit is
 * counted as `omitted`. Far above a group's labels and annotations, far below Temporal's 2 MB
 * payload limit: a 1 MiB body can print as 3 MiB (bytes that are no UTF-8, `1e20` as 21 digits),
 * and a refused signal is a 503 that Alertmanager retries forever.
 */
export const MAX_EVIDENCE_BYTES = 64 * 1024;

/**
 * One signal per model per payload, reasons joined with "; " (each once); resolved alerts and
 * alerts for no model, an unknown one or a label that is no valid model name (which could
 * otherwise reach workflow ids and object keys) are answered but not acted on. Outcomes of planned
 * signals read 'signalled' until the signal's result says otherwise.
 */
export function planSignals(alerts: readonly ReceivedAlert[], knownModels: (modelName: string) => boolean): { outcomes: AlertOutcome[]; signals: PlannedSignal[] } {
  const byModel = new Map<string, { alerts: number[]; reasons: Set<string>; evidence: Record<string, unknown>[] }>();
  const outcomes = alerts.map((alert, index): AlertOutcome => {
    const { name, modelName } = alert;
    if (!alert.firing) return { alert: name, model: modelName, outcome: 'resolved-ignored' };
    if (modelName === undefined) return { alert: name, outcome: 'no-model-label' };
    const problem = nameProblem(modelName);
    if (problem !== undefined) return { alert: name, model: modelName.slice(0, 100), outcome: 'invalid-model', error: `model label ${quote(modelName)} ${problem}` };
    if (!knownModels(modelName)) return { alert: name, model: modelName, outcome: 'unknown-model' };
    const entry = byModel.get(modelName) ?? { alerts: [], reasons: new Set<string>(), evidence: [] };
    entry.alerts.push(index);
    entry.reasons.add(alert.reason);
    entry.evidence.push(alert.evidence);
    byModel.set(modelName, entry);
    return { alert: name, model: modelName, outcome: 'signalled', workflowId: modelWorkflowId(modelName) };
  });
  const signals = [...byModel].map(([modelName, entry]) => ({
    modelName,
    workflowId: modelWorkflowId(modelName),
    reason: truncate([...entry.reasons].join('; ')),
    evidence: evidenceOf(entry.evidence),
    alerts: entry.alerts,
  }));
  return { outcomes, signals };
}

function evidenceOf(alerts: Record<string, unknown>[]): Record<string, unknown> {
  const kept: Record<string, unknown>[] = [];
  let bytes = 0;
  for (const evidence of alerts) {
    if (kept.length === MAX_EVIDENCE_ALERTS) break;
    const size = jsonBytes(evidence);
    if (bytes + size > MAX_EVIDENCE_BYTES) continue;
    kept.push(evidence);
    bytes += size;
  }
  const omitted = alerts.length - kept.length;
  return omitted > 0 ? { alerts: kept, omitted } : { alerts: kept };
}

/** UTF-8 bytes of a value as JSON, as the signal carries it; Infinity for one nested too deep to print. */
function jsonBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function truncate(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}
