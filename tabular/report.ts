import type { DatasetSchema } from './schema.js';
import type { Anomaly } from './schema-check.js';
import type { DatasetStatistics } from './statistics-types.js';

/** The validate step's report: plain JSON, stored beside the run and rendered as HTML. */
export interface ValidationReport {
  /** The dataset's name or URI, as a person would recognize it. */
  dataset: string;
  /** True when no anomaly is an error. */
  passed: boolean;
  summary: { rows: number; columns: number; errors: number; warnings: number };
  anomalies: Anomaly[];
  statistics: DatasetStatistics;
  /** The reference schema the dataset was checked against; absent when it became the reference. */
  schema?: DatasetSchema;
}

export interface ValidationReportInput {
  dataset: string;
  statistics: DatasetStatistics;
  anomalies: Anomaly[];
  schema?: DatasetSchema;
}

/** Assembles the report; errors first among the anomalies, in check order otherwise. */
export function buildValidationReport(input: ValidationReportInput): ValidationReport {
  const errors = input.anomalies.filter((anomaly) => anomaly.severity === 'error');
  const warnings = input.anomalies.filter((anomaly) => anomaly.severity === 'warning');
  return {
    dataset: input.dataset,
    passed: errors.length === 0,
    summary: {
      rows: input.statistics.rowCount,
      columns: input.statistics.columns.length,
      errors: errors.length,
      warnings: warnings.length,
    },
    anomalies: [...errors, ...warnings],
    statistics: input.statistics,
    ...(input.schema ? { schema: input.schema } : {}),
  };
}
