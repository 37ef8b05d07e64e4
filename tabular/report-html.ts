import { formatNumber, formatPercent } from '../format/numbers.js';
import type { ValidationReport } from './report.js';
import type { Anomaly } from './schema-check.js';
import type { ColumnStatistics } from './statistics-types.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
const percent = (part: number, whole: number): string => (whole === 0 ? '0%' : formatPercent(part / whole));

function describe(column: ColumnStatistics): string {
  switch (column.kind) {
    case 'numeric': {
      const q = column.quantiles;
      return `min ${formatNumber(column.min)} · p05 ${formatNumber(q.p05)} · p25 ${formatNumber(q.p25)} · median ${formatNumber(q.p50)} · p75 ${formatNumber(q.p75)} · p95 ${formatNumber(q.p95)} · max ${formatNumber(column.max)} · mean ${formatNumber(column.mean)} ± ${formatNumber(column.std)}`;
    }
    case 'categorical': {
      const top = column.top.slice(0, 5).map((entry) => `${entry.value} (${entry.count})`).join(', ');
      return `${column.distinctExact ? '' : '≥ '}${column.distinct} distinct${top ? `: ${top}` : ''}${column.top.length > 5 || column.otherCount > 0 ? ', …' : ''}`;
    }
    case 'datetime':
      return `${column.min} → ${column.max}`;
    case 'boolean':
      return `true ${column.trueCount} · false ${column.falseCount}`;
  }
}

/** One anomaly as a table row (severity, code, column, message), classed by severity. */
export function anomalyRow(anomaly: Anomaly): string {
  return `<tr class="${anomaly.severity}"><td>${anomaly.severity}</td><td><code>${escapeHtml(anomaly.code)}</code></td><td>${escapeHtml(anomaly.column ?? '')}</td><td>${escapeHtml(anomaly.message)}</td></tr>`;
}

/** One column as a table row (name with its anomalies as badges, kind, values, nulls, summary). */
export function columnRow(column: ColumnStatistics, rows: number, anomalies: Anomaly[]): string {
  const own = anomalies.filter((anomaly) => anomaly.column === column.name);
  const severity = own.some((anomaly) => anomaly.severity === 'error') ? 'error' : own.length > 0 ? 'warning' : '';
  const badges = own.map((anomaly) => ` <span class="badge ${anomaly.severity}">${escapeHtml(anomaly.code)}</span>`).join('');
  return `<tr class="${severity}"><td>${escapeHtml(column.name)}${badges}</td><td>${column.kind}</td><td>${column.count}</td><td>${column.nulls} (${percent(column.nulls, rows)})</td><td>${escapeHtml(describe(column))}</td></tr>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}
tr.error{background:#fde8e8}tr.warning{background:#fff6db}.verdict{font-weight:600;font-size:1.1rem}.pass{color:#1a7f37}.fail{color:#b42318}
.badge{font-size:.75rem;padding:0 .3rem;border-radius:3px;color:#fff}.badge.error{background:#b42318}.badge.warning{background:#b68103}`;

/** The anomalies as a table, or a line saying there are none. */
export function anomalyTable(anomalies: readonly Anomaly[]): string {
  return anomalies.length === 0
    ? '<p>No anomalies.</p>'
    : `<table><thead><tr><th>Severity</th><th>Code</th><th>Column</th><th>What is wrong and what to do</th></tr></thead><tbody>${anomalies.map(anomalyRow).join('')}</tbody></table>`;
}

/** One row per column, then the columns that anomalies name but the dataset lacks. */
export function columnTable(report: ValidationReport): string {
  const present = new Set(report.statistics.columns.map((column) => column.name));
  const missing = [...new Set(report.anomalies.flatMap((anomaly) => (anomaly.column && !present.has(anomaly.column) ? [anomaly.column] : [])))];
  const columns = report.statistics.columns.map((column) => columnRow(column, report.summary.rows, report.anomalies)).join('');
  const absent = missing.length === 0 ? '' : `<p>Not in this dataset: ${missing.map(escapeHtml).join(', ')}.</p>`;
  return `<table><thead><tr><th>Column</th><th>Kind</th><th>Values</th><th>Nulls</th><th>Summary</th></tr></thead><tbody>${columns}</tbody></table>
${absent}`;
}

/** A standalone HTML page for a person: verdict, anomalies, then one line per column. */
export function renderValidationHtml(report: ValidationReport): string {
  const { summary } = report;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Validation: ${escapeHtml(report.dataset)}</title><style>${STYLE}</style></head>
<body>
<h1>Validation: ${escapeHtml(report.dataset)}</h1>
<p class="verdict ${report.passed ? 'pass' : 'fail'}">${report.passed ? 'Passed' : 'Failed'}: ${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')} · ${plural(summary.rows, 'row')} · ${plural(summary.columns, 'column')}</p>
<h2>Anomalies</h2>
${anomalyTable(report.anomalies)}
<h2>Columns</h2>
${columnTable(report)}
</body></html>
`;
}
