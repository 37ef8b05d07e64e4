import { ColumnAccumulator } from './column-statistics.js';
import type { ColumnLimits } from './column-statistics.js';
import type { TableRow } from './row.js';
import type { DatasetStatistics } from './statistics-types.js';

export interface StatisticsOptions {
  /** Values sampled per numeric column for quantiles; below this many, quantiles are exact. Default 10 000. */
  sampleSize?: number;
  /** Distinct values per column counted exactly before counts turn approximate. Default 10 000. */
  maxTrackedValues?: number;
  /** Most frequent values listed per categorical column. Default 1000. */
  topValues?: number;
  /**
   * The reference dataset's statistics: numeric columns are then binned on the reference
   * histogram edges and every value counted, so the two histograms compare bin for bin.
   */
  reference?: DatasetStatistics;
}

/**
 * Streaming column statistics: feed rows with `add`, read the result with `result`.
 * Memory is bounded per column whatever the row count; the result depends only on the rows
 * and their order.
 */
export class StatisticsAccumulator {
  private rowCount = 0;
  private readonly columns = new Map<string, ColumnAccumulator>();
  private readonly limits: Omit<ColumnLimits, 'binEdges'>;
  private readonly referenceEdges = new Map<string, number[]>();

  constructor(options: StatisticsOptions = {}) {
    this.limits = {
      sampleSize: options.sampleSize ?? 10_000,
      maxTrackedValues: options.maxTrackedValues ?? 10_000,
      topValues: options.topValues ?? 1000,
    };
    for (const column of options.reference?.columns ?? []) {
      if (column.kind === 'numeric') this.referenceEdges.set(column.name, column.histogram.edges);
    }
  }

  add(row: TableRow): void {
    this.rowCount++;
    for (const name in row) {
      let column = this.columns.get(name);
      if (!column) {
        column = new ColumnAccumulator(name, { ...this.limits, binEdges: this.referenceEdges.get(name) });
        this.columns.set(name, column);
      }
      column.add(row[name] ?? null);
    }
  }

  result(): DatasetStatistics {
    return {
      rowCount: this.rowCount,
      columns: [...this.columns.values()].map((column) => column.result(this.rowCount)),
    };
  }
}

/** Statistics of every row of `rows`, in one pass. */
export async function computeStatistics(
  rows: AsyncIterable<TableRow> | Iterable<TableRow>,
  options?: StatisticsOptions,
): Promise<DatasetStatistics> {
  const accumulator = new StatisticsAccumulator(options);
  for await (const row of rows) accumulator.add(row);
  return accumulator.result();
}
