import type { OutcomeWindow } from '../drift/outcome.js';
import type { ObjectRef } from './pipeline-run.js';

/** What the outcomes fed back say: one verdict over the windows judged. */
export interface OutcomeDrift {
  verdict: 'drift' | 'no-drift' | 'insufficient-data';
  /** The drifted windows' reasons, or every window's when none drifted. */
  reason: string;
  /** Since the last check, and the spec's rolling window. */
  windows: OutcomeWindow[];
  /** Said when something could not be judged for want of data kept at training (an older version). */
  note?: string;
}

/** What one drift check found, and whether it signalled the model workflow. */
export interface DriftCheckResult {
  modelName: string;
  /** 'no-model' when nothing is in production (or it has no drift reference). */
  verdict: 'drift' | 'no-drift' | 'insufficient-data' | 'no-model';
  /** Feature and prediction drift, one sentence. */
  reason: string;
  /** The blessing metric on the outcomes of the rolling window, one sentence. */
  performance?: { verdict: 'drift' | 'no-drift' | 'insufficient-data'; reason: string; value?: number };
  /** Outcome drift: the metric, calibration and the outcome distribution, per window (absent on checks made before it). */
  outcome?: OutcomeDrift;
  productionVersion?: number;
  rows: number;
  driftedFeatures: string[];
  /** The JSON report: the comparison's numbers, performance and window. */
  report?: ObjectRef;
  /** The same report as a self-contained HTML page (a chart per feature and for the scores), beside the JSON. */
  reportHtml?: ObjectRef;
  /** Window of logged predictions compared. */
  since: string;
  until: string;
  signalled: boolean;
}
