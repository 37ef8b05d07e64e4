/**
 * Exact quantiles of numeric columns on the columnar engine, each found the cheapest exact way.
 * The engine sorts doubles slowly (3M of them in about 350 ms on two cores, against 90 ms for the
 * same numbers as BIGINT, and 15 ms to count the values of a column that holds a few thousand).
 * So whole numbers over a narrow span are counted by value, and their quantiles (and histograms)
 * read from the counts; other whole numbers are sorted as BIGINT; anything else as DOUBLE.
 * Every way gives quantile_cont's answer: linear between the closest ranks.
 */
import { availableParallelism } from 'node:os';
import type { Engine } from './engine.js';
import { sqlCountWhere } from './engine.js';

/** Whole numbers whose span is at most this many are counted by value: at most this many groups per column. */
const COUNTED_SPAN = 65_536;
/** Whole numbers within this bound are exact as BIGINT and as DOUBLE alike. */
const EXACT_INTEGER = 2 ** 53;

/** A numeric column: SQL giving its value as a finite DOUBLE or NULL, and what a scan already found of it. */
export interface QuantileColumn {
  value: string;
  /** Values that are not NULL. */
  count: number;
  min: number;
  max: number;
  /** Values with a fractional part ({@link fractionalCountSql}). */
  fractional: number;
}

/** A column's sorted distinct values and how many times each occurs. */
export interface ValueCounts {
  values: number[];
  counts: number[];
}

export interface ColumnQuantiles {
  quantiles: number[];
  /** Present when the column was counted by value: histograms can be read from it. */
  valueCounts?: ValueCounts;
}

/** An aggregate counting the values of `value` (a DOUBLE) with a fractional part: whole-number columns take the faster ways. */
export const fractionalCountSql = (value: string): string => sqlCountWhere(`${value} <> trunc(${value})`);

/**
 * The `probabilities` quantiles of each column over the rows of `from`, in the columns' order; empty
 * columns get none. With `fromSeenByAll`, `from` names only what every connection to the database
 * sees (files, its tables and views, none of this connection's temporary ones), and columns that
 * are sorted are shared among connections.
 */
export async function exactQuantiles(engine: Engine, from: string, columns: readonly QuantileColumn[], probabilities: readonly number[], fromSeenByAll = false): Promise<ColumnQuantiles[]> {
  const results: ColumnQuantiles[] = columns.map(() => ({ quantiles: [] }));
  const whole = (column: QuantileColumn): boolean => column.count > 0 && column.fractional === 0 && Math.abs(column.min) <= EXACT_INTEGER && Math.abs(column.max) <= EXACT_INTEGER;
  const counted = columns.flatMap((column, i) => (whole(column) && column.max - column.min <= COUNTED_SPAN ? [i] : []));
  const sorted = columns.flatMap((column, i) => (column.count > 0 && !counted.includes(i) ? [i] : []));

  if (counted.length > 0) {
    const groups = counted.map((i) => `select ${i} as col, v as value, count(*) as n from (select (${columns[i]!.value})::bigint as v from ${from}) where v is not null group by v`);
    const rows = await engine.rows<{ col: number; value: bigint; n: bigint }>(`${groups.join(' union all ')} order by col, value`);
    for (const i of counted) results[i] = { quantiles: [], valueCounts: { values: [], counts: [] } };
    for (const row of rows) {
      const { valueCounts } = results[row.col]!;
      valueCounts!.values.push(Number(row.value));
      valueCounts!.counts.push(Number(row.n));
    }
    for (const i of counted) results[i]!.quantiles = probabilities.map((p) => quantileOfCounts(results[i]!.valueCounts!, p));
  }
  if (sorted.length > 0) {
    const list = `[${probabilities.join(', ')}]`;
    // A query's quantiles are sorted out on one thread once it has read the rows: the columns are
    // shared among a connection per core, whose queries run at once (40 columns of 1M doubles took
    // 4.7-4.9 s in one query, 2.7-3.7 s in two).
    const connections = fromSeenByAll ? Math.min(availableParallelism(), sorted.length) : 1;
    const shares = Array.from({ length: connections }, (_, k) => sorted.filter((_, n) => n % connections === k));
    await Promise.all(
      shares.map(async (share, k) => {
        const connection = k === 0 ? engine : await engine.beside();
        const fields = share.map((i) => `quantile_cont(${whole(columns[i]!) ? `(${columns[i]!.value})::bigint` : columns[i]!.value}, ${list}) as q${i}`);
        const [row = {}] = await connection.rows<Record<string, number[]>>(`select ${fields.join(', ')} from ${from}`);
        for (const i of share) results[i]!.quantiles = (row[`q${i}`] ?? []).map(Number);
      }),
    );
  }
  return results;
}

/** quantile_cont's answer from value counts: the values at the two ranks either side of (n - 1)·p, interpolated. */
export function quantileOfCounts({ values, counts }: ValueCounts, p: number): number {
  const n = counts.reduce((sum, count) => sum + count, 0);
  const h = (n - 1) * p;
  const below = Math.floor(h);
  const lower = valueAtRank(values, counts, below);
  const upper = valueAtRank(values, counts, Math.min(below + 1, n - 1));
  return lower + (h - below) * (upper - lower);
}

/** The value at 0-based `rank` in the sorted column the counts describe. */
function valueAtRank(values: readonly number[], counts: readonly number[], rank: number): number {
  let seen = 0;
  for (let i = 0; i < values.length; i++) {
    seen += counts[i]!;
    if (rank < seen) return values[i]!;
  }
  return values.at(-1)!;
}
