import type { ObjectRef } from './pipeline-run.js';

/** One statistic judged: its value, the threshold it was held to, and whether it moved. */
export interface OutcomeFinding {
  statistic: string;
  value: number;
  threshold: number;
  /** The test's two-sided p-value, where one applies. */
  pValue?: number;
  moved: boolean;
  /** One sentence with the numbers. */
  detail: string;
}

export interface OutcomeWindow {
  /** 'since-last-check', or 'rolling' (the spec's window). */
  name: 'since-last-check' | 'rolling';
  /** Outcomes that arrived after this instant count. */
  since: string;
  outcomes: number;
  verdict: 'drift' | 'no-drift' | 'insufficient-data';
  reason: string;
  /** The statistics computed, by name (observedRate, meanPrediction, brier, logLoss, ece, auc, …; labelMean, p50, residualMean, rmse, …). */
  statistics: Record<string, number>;
  findings: OutcomeFinding[];
}

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
