import type { ObjectRef } from './pipeline-run.js';

/** What one drift check found, and whether it signalled the model workflow. */
export interface DriftCheckResult {
  modelName: string;
  /** 'no-model' when nothing is in production (or it has no drift reference). */
  verdict: 'drift' | 'no-drift' | 'insufficient-data' | 'no-model';
  /** Feature and prediction drift, one sentence. */
  reason: string;
  /** Live metric on the outcomes fed back, one sentence. */
  performance?: { verdict: 'drift' | 'no-drift' | 'insufficient-data'; reason: string; value?: number };
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
