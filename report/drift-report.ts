/**
 * The drift check's page for a person: per feature, the reference and live distributions over
 * the buckets PSI compared, with the statistics and the verdict; then the scores. Pure: the
 * drift-check activity stores the HTML beside the JSON report.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatNumber } from '../format/numbers.js';
import type { OutcomeDrift } from '../contracts/drift-check.js';
import type { DriftReference } from '../drift/reference.js';
import type { BucketShares, DriftReport, DriftThresholds, FeatureDrift, PredictionDrift } from '../drift/report.js';
import { escapeHtml } from '../tabular/report-html.js';
import type { ReportSection } from './page.js';
import { renderPage } from './page.js';
import { CHART, renderChart } from './svg.js';

/** Categories a chart shows; past this, the ones with the smallest shares on both sides are pooled into one bar. */
export const MAX_CHART_CATEGORIES = 40;

/** The report's facts besides the comparison. */
export interface DriftReportFacts {
  modelName: string;
  productionVersion: number;
  /** Window of logged predictions compared, ISO 8601. */
  since: string;
  until: string;
  /** Live metric on the outcomes fed back, judged against the spec's threshold. */
  performance?: { verdict: string; reason: string; value?: number; metric: string; threshold: number };
}

export interface DriftReportPageInput {
  /** The production version's drift reference, as compared. */
  reference: DriftReference;
  /** compareToReference's result. */
  drift: DriftReport;
  facts: DriftReportFacts;
  /** Outcome drift per window, where outcomes were judged. */
  outcome?: OutcomeDrift;
}

/** A self-contained HTML page: one chart per feature and one for the scores, each with its statistics. */
export async function renderDriftReport({ reference, drift, facts, outcome }: DriftReportPageInput): Promise<string> {
  const performance = facts.performance;
  const pageFacts: [string, string][] = [
    ['Verdict', drift.verdict],
    ['Reason', drift.reason],
    ['Rows', `${drift.rows} live, ${reference.rows} reference`],
    ['Window', `${facts.since} .. ${facts.until}`],
    ['Production version', `v${facts.productionVersion}`],
    ['Thresholds', describeThresholds(drift.thresholds)],
  ];
  if (performance) {
    const value = performance.value === undefined ? 'no value' : formatNumber(performance.value);
    pageFacts.push(['Live metric', `${performance.metric} ${value} vs threshold ${formatNumber(performance.threshold)}: ${performance.verdict}`], ['Performance', performance.reason]);
  }
  if (outcome) pageFacts.push(['Outcome drift', `${outcome.verdict}: ${outcome.reason}`]);
  const title = `Drift report: ${facts.modelName} v${facts.productionVersion}`;
  const outcomes: ReportSection[] = outcome ? [{ id: 'outcomes', title: 'Outcomes', intro: outcome.note ?? 'The outcomes fed back, per window: the blessing metric, calibration and the outcome distribution against the reference rows.', html: outcomeTable(outcome) }] : [];
  if (drift.verdict === 'insufficient-data' || !drift.prediction) {
    return renderPage({ title, facts: pageFacts, sections: [{ id: 'summary', title: 'Insufficient data', intro: `${drift.reason} Nothing was compared; the next check sees these rows too.` }, ...outcomes] });
  }

  const features: ReportSection = { id: 'features', title: 'Features', intro: 'Share of rows per bin of the reference (its quantiles) or per category, the reference beside the live traffic.', charts: [] };
  for (const feature of drift.features) {
    features.charts!.push({ title: `${feature.name} (${feature.kind}): ${verdictText(feature)}`, svg: await distributionChart(feature.distribution, feature.kind, feature.drifted) });
  }
  const prediction = drift.prediction;
  const scores: ReportSection = {
    id: 'predictions',
    title: 'Predictions',
    charts: [{ title: `scores: ${verdictText(prediction)}`, svg: await distributionChart(prediction.distribution, 'numeric', prediction.drifted) }],
  };
  const summary: ReportSection = { id: 'summary', title: 'Summary', intro: drift.reason, html: statisticsTable(drift.features, prediction) };
  return renderPage({ title, facts: pageFacts, sections: [summary, ...outcomes, features, scores] });
}

/** One row per statistic judged in each window; a window without enough outcomes says so in one row. */
function outcomeTable(outcome: OutcomeDrift): string {
  const head = '<tr><th>Window</th><th>Outcomes</th><th>Statistic</th><th>Value</th><th>Threshold</th><th>p-value</th><th>Moved</th><th>Detail</th></tr>';
  const rows = outcome.windows.flatMap((window) => {
    const label = `${window.name === 'rolling' ? 'rolling' : 'since the last check'} (after ${window.since})`;
    if (window.findings.length === 0) return [`<tr><td>${escapeHtml(label)}</td><td class="num">${window.outcomes}</td><td colspan="6">${escapeHtml(window.reason)}</td></tr>`];
    return window.findings.map((finding) => {
      const moved = finding.moved ? '<td class="fail">moved</td>' : '<td class="pass">no</td>';
      const cells = [formatNumber(finding.value), formatNumber(finding.threshold), finding.pValue === undefined ? '' : finding.pValue.toPrecision(2)].map((cell) => `<td class="num">${escapeHtml(cell)}</td>`);
      return `<tr${finding.moved ? ' class="error"' : ''}><td>${escapeHtml(label)}</td><td class="num">${window.outcomes}</td><td>${escapeHtml(finding.statistic)}</td>${cells.join('')}${moved}<td>${escapeHtml(finding.detail)}</td></tr>`;
    });
  });
  return `<table>${head}${rows.join('')}</table>`;
}

function describeThresholds(t: DriftThresholds): string {
  const parts = t.psiDecides === false ? [] : [`PSI > ${formatNumber(t.psi)}`];
  if (t.ksPValue !== undefined) parts.push(`KS p < ${formatNumber(t.ksPValue)}${t.ksStatistic === undefined ? '' : ` with D ≥ ${formatNumber(t.ksStatistic)}`}`);
  if (t.chiSquarePValue !== undefined) parts.push(`chi-square p < ${formatNumber(t.chiSquarePValue)}${t.chiSquareEffect === undefined ? '' : ` with Cohen's w ≥ ${formatNumber(t.chiSquareEffect)}`}`);
  if (t.jensenShannon !== undefined) parts.push(`Jensen–Shannon > ${formatNumber(t.jensenShannon)}`);
  return `${parts.join(', ')} counts as drift; at least ${t.minRows} rows`;
}

const verdictText = (subject: { drifted: boolean; psi: number }): string => `${subject.drifted ? 'drifted' : 'no drift'}, PSI ${formatNumber(subject.psi)}`;

function statisticsTable(features: readonly FeatureDrift[], prediction: PredictionDrift): string {
  const row = (name: string, kind: string, s: Partial<FeatureDrift> & PredictionDrift): string => {
    const cells = [
      formatNumber(s.psi),
      s.ks ? `${formatNumber(s.ks.statistic)} (p ${formatNumber(s.ks.pValue)})` : '',
      s.chiSquare ? `${formatNumber(s.chiSquare.statistic)}, ${s.chiSquare.df} df (p ${formatNumber(s.chiSquare.pValue)})` : '',
      s.jensenShannon === undefined ? '' : formatNumber(s.jensenShannon),
    ].map((cell) => `<td class="num">${escapeHtml(cell)}</td>`);
    const drifted = s.drifted ? '<td class="fail">drifted</td>' : '<td class="pass">no</td>';
    return `<tr${s.drifted ? ' class="error"' : ''}><td>${escapeHtml(name)}</td><td>${kind}</td>${cells.join('')}${drifted}<td>${escapeHtml(s.reason)}</td></tr>`;
  };
  const head = '<tr><th>Feature</th><th>Kind</th><th>PSI</th><th>KS</th><th>Chi-square</th><th>Jensen–Shannon (bits)</th><th>Drifted</th><th>Reason</th></tr>';
  const body = [...features.map((f) => row(f.name, f.kind, f)), row('(scores)', 'prediction', prediction)];
  return `<table>${head}${body.join('')}</table>`;
}

/** Grouped bars, reference beside live: vertical over numeric bins, horizontal over categories. */
function distributionChart(distribution: BucketShares, kind: 'numeric' | 'categorical', drifted: boolean): Promise<string> {
  const shown = kind === 'categorical' ? poolSmallCategories(distribution) : distribution;
  const values = shown.buckets.flatMap((bucket, i) => [
    { bucket, source: 'reference', share: shown.reference[i] },
    { bucket, source: 'live', share: shown.live[i] },
  ]);
  const bucket = { field: 'bucket', type: 'nominal', sort: null, title: kind === 'numeric' ? 'bin' : 'category', axis: { labelLimit: 240 } } as const;
  const share = { field: 'share', type: 'quantitative', title: 'share of rows', axis: { format: '%' } } as const;
  const source = { field: 'source', type: 'nominal', sort: ['reference', 'live'] } as const;
  const color = { ...source, title: null, scale: { domain: ['reference', 'live'], range: ['#8c959f', drifted ? '#cf222e' : '#0969da'] } };
  const spec: TopLevelSpec =
    kind === 'numeric'
      ? { ...CHART, data: { values }, mark: 'bar', encoding: { x: { ...bucket, axis: { ...bucket.axis, labelAngle: -40 } }, xOffset: source, y: share, color } }
      : { width: CHART.width, height: { step: 20 }, data: { values }, mark: 'bar', encoding: { y: bucket, yOffset: source, x: share, color } };
  return renderChart(spec);
}

/** At most MAX_CHART_CATEGORIES buckets, in their order; the rest, smallest first by their larger share, summed into one. */
function poolSmallCategories(d: BucketShares): BucketShares {
  if (d.buckets.length <= MAX_CHART_CATEGORIES) return d;
  const larger = (i: number): number => Math.max(d.reference[i] as number, d.live[i] as number);
  const ranked = d.buckets.map((_, i) => i).sort((a, b) => larger(b) - larger(a) || a - b);
  const kept = new Set(ranked.slice(0, MAX_CHART_CATEGORIES - 1));
  const pooled = ranked.slice(MAX_CHART_CATEGORIES - 1);
  const keep = <T>(values: readonly T[]): T[] => values.filter((_, i) => kept.has(i));
  const sum = (values: readonly number[]): number => pooled.reduce((total, i) => total + (values[i] as number), 0);
  return {
    buckets: [...keep(d.buckets), `(${pooled.length} other categories)`],
    reference: [...keep(d.reference), sum(d.reference)],
    live: [...keep(d.live), sum(d.live)],
  };
}
