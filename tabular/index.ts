// The tabular module: reading sources, their statistics, the reference schema and its checks,
// and the validation report. Pure data logic; the ingest and validate activities do the I/O around it.
export * from './read.js';
export * from './statistics.js';
export * from './schema.js';
export * from './report.js';
export { escapeHtml } from './report-html.js';
export { parseDatetime } from './datetime.js';
