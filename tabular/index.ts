// The tabular module: reading sources, their statistics, the reference schema and its checks,
// and the validation report. Pure data logic; the ingest and validate activities do the I/O around it.
export * from './read.js';
export type { Cell, TableRow } from './row.js';
export { TabularReadError } from './errors.js';
export { openParquet, readParquetRange, rowGroupSizes } from './read-parquet.js';
export type { OpenParquet } from './read-parquet.js';
export * from './statistics.js';
export type * from './statistics-types.js';
export type { Histogram, Quantiles } from './numeric-summary.js';
export * from './schema.js';
export { checkAgainstSchema } from './schema-check.js';
export type { Anomaly, AnomalyCode, SchemaCheckOptions } from './schema-check.js';
export * from './report.js';
export { escapeHtml, renderValidationHtml } from './report-html.js';
export { parseDatetime } from './datetime.js';
