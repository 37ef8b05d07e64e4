import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import type { ValidationReport } from '../tabular/report.js';
import { anomalyTable, columnTable } from '../tabular/report-html.js';
import type { ColumnStatistics } from '../tabular/statistics-types.js';
import type { ReportSection } from './page.js';
import { barChart, binChart } from './run-charts.js';
import type { TopLevelSpec } from 'vega-lite';

/** Columns charted in the data section, at most. */
const CHARTED_COLUMNS = 6;
/** Values per categorical chart; the rest are one "(other)" bar. */
const TOP_VALUES = 10;

export interface ChartRequest {
  title: string;
  spec: TopLevelSpec;
}

/** The data section: the validate step's verdict, anomalies, a chart per spec column and one row per column. */
export function dataSection(spec: PipelineSpec, report: ValidationReport | undefined): { section: Omit<ReportSection, 'charts'>; charts: ChartRequest[] } {
  if (!report) return { section: { id: 'data', title: 'Data', intro: 'The validate step’s report could not be read, so there are no statistics to show.' }, charts: [] };
  const { summary } = report;
  const verdict = `<p class="verdict ${report.passed ? 'pass' : 'fail'}">${report.passed ? 'Passed' : 'Failed'} validation: ${summary.errors} errors, ${summary.warnings} warnings · ${summary.rows} rows · ${summary.columns} columns</p>`;
  const byName = new Map(report.statistics.columns.map((column) => [column.name, column]));
  const wanted = [spec.label.positiveWhen?.column ?? spec.label.column, ...spec.features.numeric, ...spec.features.categorical];
  const charted = [...new Set(wanted)].flatMap((name) => {
    const column = byName.get(name);
    return column && (column.kind === 'numeric' || column.kind === 'categorical') ? [column] : [];
  });
  return {
    section: { id: 'data', title: 'Data', lead: verdict, html: `<h3>Anomalies</h3>${anomalyTable(report.anomalies)}<h3>Columns</h3>${columnTable(report)}` },
    charts: charted.slice(0, CHARTED_COLUMNS).flatMap(columnChart),
  };
}

function columnChart(column: ColumnStatistics): ChartRequest[] {
  if (column.kind === 'categorical') {
    const bars = column.top.slice(0, TOP_VALUES).map((entry) => ({ label: entry.value, value: entry.count }));
    const rest = column.top.slice(TOP_VALUES).reduce((sum, entry) => sum + entry.count, 0) + column.otherCount;
    if (rest > 0) bars.push({ label: '(other)', value: rest });
    return bars.length === 0 ? [] : [{ title: `${column.name}: most frequent values`, spec: barChart(bars, 'rows') }];
  }
  if (column.kind !== 'numeric' || column.count === 0) return [];
  return [{ title: `${column.name}: distribution`, spec: binChart([{ label: column.name, points: densityBins(column) }], column.name, 'share of rows per unit') }];
}

/**
 * The column's histogram as densities: its bins lie between quantiles, so they differ in width
 * and only count per unit of width shows the shape. The open outer bins end at min and max.
 */
export function densityBins(column: Extract<ColumnStatistics, { kind: 'numeric' }>): { lower: number; upper: number; value: number }[] {
  const { edges, counts } = column.histogram;
  const bounds = [column.min, ...edges, column.max];
  const total = counts.reduce((sum, count) => sum + count, 0);
  return counts.flatMap((count, i) => {
    const lower = bounds[i]!;
    const upper = bounds[i + 1]!;
    return upper > lower && total > 0 ? [{ lower, upper, value: count / total / (upper - lower) }] : [];
  });
}
