import type { ColumnKind, DatasetStatistics } from './statistics-types.js';

/** What the reference dataset showed about one column; later datasets are checked against it. */
export interface ColumnSchema {
  name: string;
  kind: ColumnKind;
  /** The reference had at least one null in this column. */
  nullable: boolean;
  /** Share of reference rows (0–1) where the column was null. */
  nullRate: number;
  /** Numeric columns: the observed minimum and maximum. */
  range?: { min: number; max: number };
  /**
   * Categorical columns with few distinct values: every value seen, in text order.
   * Absent when there were too many to list; unseen categories are then not checked.
   */
  domain?: string[];
}

/** The pipeline's reference schema: plain JSON, in the reference's column order. */
export interface DatasetSchema {
  columns: ColumnSchema[];
}

export interface InferSchemaOptions {
  /** Most distinct values a categorical column may have and still get a domain. Default 1000. */
  maxDomainSize?: number;
}

/** Infers the reference schema from a dataset's statistics. */
export function inferSchema(stats: DatasetStatistics, options: InferSchemaOptions = {}): DatasetSchema {
  const maxDomainSize = options.maxDomainSize ?? 1000;
  const columns = stats.columns.map((column): ColumnSchema => {
    const schema: ColumnSchema = {
      name: column.name,
      kind: column.kind,
      nullable: column.nulls > 0,
      nullRate: stats.rowCount === 0 ? 0 : column.nulls / stats.rowCount,
    };
    if (column.kind === 'numeric') schema.range = { min: column.min, max: column.max };
    const listsEveryValue = column.kind === 'categorical' && column.distinctExact && column.otherCount === 0;
    if (listsEveryValue && column.count > 0 && column.distinct <= maxDomainSize) {
      schema.domain = column.top.map((entry) => entry.value).sort();
    }
    return schema;
  });
  return { columns };
}
