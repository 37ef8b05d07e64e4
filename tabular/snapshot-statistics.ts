/**
 * A Parquet snapshot's column statistics, computed by the columnar engine: the same
 * DatasetStatistics the streaming accumulator gives for rows, with quantiles, histograms and
 * distinct counts exact at any size. One scan for every column's summary; then the numeric
 * columns' quantiles (exact-quantiles.ts: a column of whole numbers over a narrow span is counted
 * by value, and binned from its counts); one scan for the other columns' histogram bins; one
 * group-by per text column for its top values.
 */
import type { Engine } from './engine.js';
import { sqlCountWhere, sqlDouble, sqlIdentifier, sqlString } from './engine.js';
import type { Quantiles } from './numeric-summary.js';
import { isoTextInstantSql } from './time-sql.js';
import { binIndex, QUANTILES } from './numeric-summary.js';
import type { ColumnQuantiles, ValueCounts } from './exact-quantiles.js';
import { exactQuantiles, fractionalCountSql } from './exact-quantiles.js';
import type { StatisticsOptions } from './statistics.js';
import type { Anomaly } from './schema-check.js';
import type { ColumnStatistics, DatasetStatistics } from './statistics-types.js';

/** How a snapshot column's engine type is summarised. */
type Shape = 'numeric' | 'boolean' | 'text' | 'temporal' | 'other';

const INTEGER_NAMES = 'TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT';
/** Engine types of whole numbers, never NaN or infinite. */
export const INTEGER_TYPE = new RegExp(`^(${INTEGER_NAMES})$`);
/** Engine types read as numbers. */
export const NUMERIC_TYPE = new RegExp(`^(${INTEGER_NAMES}|FLOAT|DOUBLE|DECIMAL\\(.*\\))$`);
const TEMPORAL_TYPE = /^(DATE|TIMESTAMP.*)$/;

interface SnapshotColumn {
  name: string;
  type: string;
  shape: Shape;
  /** The column as SQL, and (numeric) as a finite double or null: NaN and ±Infinity count as missing. */
  sql: string;
  value: string;
}

export interface SnapshotColumnType {
  name: string;
  type: string;
}

/** The snapshot's columns and their engine types, in file order. */
export async function snapshotColumns(engine: Engine, path: string): Promise<SnapshotColumnType[]> {
  const described = await engine.rows<{ column_name: string; column_type: string }>(`select column_name, column_type from (describe select * from read_parquet(${sqlString(path)}))`);
  return described.map((column) => ({ name: column.column_name, type: column.column_type }));
}

const shapeOf = (type: string): Shape =>
  NUMERIC_TYPE.test(type) ? 'numeric' : type === 'BOOLEAN' ? 'boolean' : type === 'VARCHAR' ? 'text' : TEMPORAL_TYPE.test(type) ? 'temporal' : 'other';

/** Statistics of every row of the Parquet file at `path`. `reference` bins numeric columns on its edges, as the row statistics do. */
export async function snapshotStatistics(engine: Engine, path: string, options: Pick<StatisticsOptions, 'reference' | 'topValues'> = {}): Promise<DatasetStatistics> {
  // Date-times without a zone are UTC, as the row statistics read them.
  await engine.run(`set TimeZone = 'UTC'`);
  const from = `read_parquet(${sqlString(path)})`;
  const columns: SnapshotColumn[] = (await snapshotColumns(engine, path)).map(({ name, type }) => {
    const sql = sqlIdentifier(name);
    const shape = shapeOf(type);
    // Integers are never NaN or infinite: read as they are, not cast for every aggregate (a 3M-row summary in half the time).
    return { name, type, shape, sql, value: shape === 'numeric' && !INTEGER_TYPE.test(type) ? `(case when isfinite(${sql}::double) then ${sql}::double end)` : sql };
  });
  const summaries = await summarise(engine, from, columns);
  const rowCount = Number(summaries.rows);
  const read = (field: string, i: number): unknown => summaries[`${field}${i}`];
  const numeric = columns.flatMap((column, i) => (column.shape === 'numeric' && Number(read('count', i)) > 0 ? [i] : []));
  const distributions = new Map<number, ColumnQuantiles>();
  const found = await exactQuantiles(
    engine,
    from,
    numeric.map((i) => ({ value: columns[i]!.value, count: Number(read('count', i)), min: Number(read('min', i)), max: Number(read('max', i)), fractional: Number(read('fractional', i)) })),
    Object.values(QUANTILES),
    true,
  );
  numeric.forEach((i, k) => distributions.set(i, found[k]!));
  const results: ColumnStatistics[] = [];
  const edgesByColumn = new Map<string, number[]>();
  for (const column of options.reference?.columns ?? []) if (column.kind === 'numeric') edgesByColumn.set(column.name, column.histogram.edges);

  for (const [i, column] of columns.entries()) {
    const count = Number(read('count', i));
    const base = { name: column.name, count, nulls: rowCount - count };
    if (column.shape === 'numeric' && count > 0) {
      const quantileList = distributions.get(i)!.quantiles;
      const quantiles = Object.fromEntries(Object.keys(QUANTILES).map((name, k) => [name, quantileList[k]!])) as Quantiles;
      // Without reference edges, a column is binned on its own quantiles.
      edgesByColumn.set(column.name, edgesByColumn.get(column.name) ?? [...new Set(Object.values(quantiles))]);
      results.push({ ...base, kind: 'numeric', min: Number(read('min', i)), max: Number(read('max', i)), mean: Number(read('mean', i)), std: Number(read('std', i)), quantiles, histogram: { edges: [], counts: [], source: 'exact' } });
    } else if (column.shape === 'boolean' && count > 0) {
      results.push({ ...base, kind: 'boolean', trueCount: Number(read('trues', i)), falseCount: count - Number(read('trues', i)) });
    } else if (column.shape === 'text' && count > 0 && Number(read('dates', i)) === count) {
      results.push({ ...base, kind: 'datetime', min: String(read('earliest', i)), max: String(read('latest', i)) });
    } else if (column.shape === 'temporal' && count > 0) {
      results.push({ ...base, kind: 'datetime', min: String(read('earliest', i)), max: String(read('latest', i)) });
    } else {
      results.push({ ...base, kind: 'categorical', ...(await frequencies(engine, from, column, count, options.topValues ?? 1000)) });
    }
  }
  await fillHistograms(engine, from, columns, results, edgesByColumn, distributions);
  return { rowCount, columns: results };
}

/** One scan: each column's count and what its shape needs (moments and quantiles, true count, date range). */
async function summarise(engine: Engine, from: string, columns: SnapshotColumn[]): Promise<Record<string, unknown>> {
  const fields = columns.flatMap((column, i) => {
    const { sql, value } = column;
    const count = `count(${value}) as count${i}`;
    switch (column.shape) {
      case 'numeric':
        // Quantiles come after, the fastest exact way for what this scan finds (exact-quantiles.ts).
        return [count, `min(${value}) as min${i}`, `max(${value}) as max${i}`, `avg(${value}) as mean${i}`, `stddev_pop(${value}) as std${i}`, `${INTEGER_TYPE.test(column.type) ? '0' : fractionalCountSql(value)} as fractional${i}`];
      case 'boolean':
        return [count, `${sqlCountWhere(sql)} as trues${i}`];
      case 'text': {
        // A text column is dates when every value is an ISO 8601 date-time the engine can read; its range is by instant, shown as written.
        const instant = isoTextInstantSql(sql);
        return [count, `count(${instant}) as dates${i}`, `arg_min(${sql}, ${instant}) as earliest${i}`, `arg_max(${sql}, ${instant}) as latest${i}`];
      }
      case 'temporal':
        return [count, `strftime(min(${sql})::timestamp, '%Y-%m-%dT%H:%M:%S.%gZ') as earliest${i}`, `strftime(max(${sql})::timestamp, '%Y-%m-%dT%H:%M:%S.%gZ') as latest${i}`];
      default:
        return [count];
    }
  });
  const [summary] = await engine.rows(`select count(*) as rows${fields.length ? `, ${fields.join(', ')}` : ''} from ${from}`);
  return summary!;
}

/** A text (or other) column's distinct count and most frequent values, as text, most frequent first, ties in text order. */
async function frequencies(engine: Engine, from: string, column: SnapshotColumn, count: number, topValues: number) {
  if (count === 0) return { distinct: 0, distinctExact: true, top: [], otherCount: 0 };
  const text = column.shape === 'text' ? column.sql : `cast(${column.value} as varchar)`;
  // One grouping for both: the distinct count is the number of groups, counted before the limit.
  const counted = await engine.rows<{ value: string; count: bigint; distinct: bigint }>(
    `select ${text} as value, count(*) as count, count(*) over () as distinct from ${from} where ${text} is not null group by all order by count desc, value limit ${topValues}`,
  );
  const top = counted.map((entry) => ({ value: entry.value, count: Number(entry.count) }));
  return { distinct: Number(counted[0]?.distinct ?? 0), distinctExact: true, top, otherCount: count - top.reduce((sum, entry) => sum + entry.count, 0) };
}

/** One scan: every numeric column's values counted into its bins (below the first edge, between edges, at or above the last). */
async function fillHistograms(engine: Engine, from: string, columns: SnapshotColumn[], results: ColumnStatistics[], edgesByColumn: Map<string, number[]>, distributions: Map<number, ColumnQuantiles>): Promise<void> {
  const numeric = columns.flatMap((column, i) => {
    const result = results[i]!;
    if (result.kind !== 'numeric') return [];
    const edges = edgesByColumn.get(column.name)!;
    const valueCounts = distributions.get(i)?.valueCounts;
    // A column counted by value is binned from its counts, with no scan.
    if (valueCounts) result.histogram = { edges: [...edges], counts: binnedCounts(valueCounts, edges), source: 'exact' };
    return valueCounts ? [] : [{ column, result, edges }];
  });
  if (numeric.length === 0) return;
  // Each value's bin is found once (the first edge above it), then bins are counted: cheaper than testing every value against every bin.
  const binOf = numeric.map(({ column, edges }, j) => {
    const below = edges.map((edge, k) => `when ${column.value} < ${sqlDouble(edge)} then ${k}`).join(' ');
    return `(case when ${column.value} is null then null ${below} else ${edges.length} end) as bin${j}`;
  });
  // histogram() counts a column's bins in one aggregate: a filtered count per bin (40 columns of 8
  // bins over 1M rows) took six times as long.
  const [counts] = await engine.rows<Record<string, { key: number; value: bigint }[] | null>>(`select ${numeric.map((_, j) => `histogram(bin${j}) as h${j}`).join(', ')} from (select ${binOf.join(', ')} from ${from})`);
  numeric.forEach(({ result, edges }, j) => {
    if (result.kind !== 'numeric') return;
    const binCounts = new Array<number>(edges.length + 1).fill(0);
    for (const { key, value } of counts?.[`h${j}`] ?? []) binCounts[key] = Number(value);
    result.histogram = { edges: [...edges], counts: binCounts, source: 'exact' };
  });
}

/** Value counts into the bins of `edges` (see Histogram). */
function binnedCounts({ values, counts }: ValueCounts, edges: readonly number[]): number[] {
  const bins = new Array<number>(edges.length + 1).fill(0);
  values.forEach((value, k) => (bins[binIndex(edges, value)]! += counts[k]!));
  return bins;
}

/** The largest finite float32: training's matrices are float32, and a larger number would become Infinity there. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** For each of `columns` that is numeric in the snapshot: an anomaly when it holds numbers beyond float32's range, naming the first row. */
export async function float32Overflows(engine: Engine, path: string, columns: readonly string[]): Promise<Anomaly[]> {
  const numeric = (await snapshotColumns(engine, path)).filter((column) => columns.includes(column.name) && NUMERIC_TYPE.test(column.type));
  const anomalies: Anomaly[] = [];
  for (const { name } of numeric) {
    const value = `${sqlIdentifier(name)}::double`;
    const [found] = await engine.rows<{ n: bigint; first: bigint | null; example: number | null }>(
      `select count(*) as n, min(file_row_number) + 1 as first, arg_min(${value}, file_row_number) as example from read_parquet(${sqlString(path)}, file_row_number = true) where abs(${value}) > ${FLOAT32_MAX}`,
    );
    if (!found || Number(found.n) === 0) continue;
    anomalies.push({
      severity: 'error',
      code: 'beyond_float32',
      column: name,
      message:
        `Column "${name}" holds ${found.n} numbers beyond float32's range (±${FLOAT32_MAX.toPrecision(5)}), which training's float32 inputs cannot hold (first on row ${found.first}: ${found.example}); ` +
        `scale the column in the source, or leave such values empty.`,
    });
  }
  return anomalies;
}

/** Engine types of values with parts (structs, lists, maps, unions, JSON), which no feature transform reads. */
const NESTED_TYPE = /^(STRUCT|MAP|UNION|JSON)\b|\[\d*\]$/;

/**
 * A feature column whose values are nested (a Parquet struct or list, JSON Lines objects or
 * arrays): refused on every run, the first included, since the transform would read its JSON
 * text as categories.
 */
export function nestedFeatures(columns: readonly SnapshotColumnType[], features: readonly string[]): Anomaly[] {
  return columns
    .filter((column) => features.includes(column.name) && NESTED_TYPE.test(column.type))
    .map(({ name, type }) => ({
      severity: 'error',
      code: 'nested_feature',
      column: name,
      message: `Column "${name}" is a feature but holds nested values (${type === 'JSON' ? 'JSON objects or arrays' : type}); a feature takes numbers, text or true/false: flatten the field you want into a column of its own and name that instead.`,
    }));
}
