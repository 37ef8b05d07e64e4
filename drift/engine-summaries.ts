/**
 * Drift summaries computed by the engine over a table of feature values (materializeValues):
 * the reference, as buildDriftReference computes it from rows (the same bins, shares, sample and
 * category counts), and the live side of a check, over the reference's buckets.
 */
import type { Engine } from '../tabular/engine.js';
import { sqlCountWhere, sqlDouble, sqlIdentifier } from '../tabular/engine.js';
import type { DriftFeatureColumn } from './engine-values.js';
import { binEdges, DEFAULT_MAX_CATEGORIES, lerpQuantile, quantilePositions } from './psi.js';
import { tieTolerance } from '../statistics/ties.js';
import type { CategoryCounts } from './psi.js';
import type { DriftReference, FeatureReference, NumericSummary } from './reference.js';
import { DEFAULT_BINS, DEFAULT_SAMPLE_SEED, DEFAULT_SAMPLE_SIZE, DRIFT_REFERENCE_VERSION, samplePositions } from './reference.js';
import type { LiveCategorical, LiveNumeric, LiveSummary } from './report.js';

export interface SummaryOptions {
  bins?: number;
  sampleSize?: number;
  maxCategories?: number;
  seed?: number;
  /** Distinct values up to which order statistics come from each value's count rather than from ranking every row; default 100,000. */
  fewDistinct?: number;
}

/** The reference of the features in `table` (column v<i> for features[i], numeric ones first as the reference lists them); the scores' summary comes from the caller. */
export async function referenceFromValues(engine: Engine, table: string, features: readonly DriftFeatureColumn[], prediction: NumericSummary, options: SummaryOptions = {}): Promise<DriftReference> {
  if (features.some((f, i) => f.kind === 'numeric' && features.slice(0, i).some((g) => g.kind === 'categorical'))) throw new RangeError('drift features must list the numeric ones first');
  const { rows } = await countsOf(engine, table);
  if (rows === 0) throw new RangeError('a drift reference needs at least one training row');
  const summaries: FeatureReference[] = [];
  for (const [i, feature] of features.entries()) {
    summaries.push(
      feature.kind === 'numeric'
        ? { name: feature.name, kind: 'numeric', ...(feature.source ? { source: feature.source } : {}), ...(await numericSummary(engine, table, `v${i}`, options)) }
        : { name: feature.name, kind: 'categorical', ...(await categoryCounts(engine, table, `v${i}`, options.maxCategories ?? DEFAULT_MAX_CATEGORIES)) },
    );
  }
  return { version: DRIFT_REFERENCE_VERSION, rows, features: summaries, prediction };
}

/** summarizeNumeric's bins, shares and sample of one DOUBLE column (NULL = missing). */
export async function numericSummary(engine: Engine, table: string, column: string, { bins = DEFAULT_BINS, sampleSize = DEFAULT_SAMPLE_SIZE, seed = DEFAULT_SAMPLE_SEED, fewDistinct }: SummaryOptions = {}): Promise<NumericSummary> {
  const { rows, present } = await countsOf(engine, table, column);
  const sampled = samplePositions(present, sampleSize, seed);
  const quantiles = Array.from({ length: Math.max(bins - 1, 0) }, (_, i) => quantilePositions(present, (i + 1) / bins));
  const wanted = present === 0 ? [] : [...new Set([...sampled, ...quantiles.flatMap(({ lower, upper }) => [lower, upper])])];
  const { at, counted } = await orderStatistics(engine, table, column, wanted, fewDistinct);
  let next = 0;
  const edges = present === 0 ? [] : binEdges(bins, () => {
    const { lower, upper, t } = quantiles[next++]!;
    return lerpQuantile(at.get(lower)!, at.get(upper)!, t);
  });
  // Values already counted one by one are binned from their counts, with no scan of the rows.
  const counts = counted ? binCountsOfValues(counted, edges, rows, present) : await binCountsOf(engine, table, column, edges, rows, present);
  return {
    edges,
    shares: counts.slice(0, -1).map((c) => (rows === 0 ? 0 : c / rows)),
    missingShare: rows === 0 ? 0 : (rows - present) / rows,
    rows,
    sample: sampled.map((position) => at.get(position)!),
  };
}

/** The live side of a check over `table`: features[i] in v<i>, the scores in `scoreColumn`. */
export async function liveFromValues(engine: Engine, table: string, reference: DriftReference, scoreColumn: string): Promise<LiveSummary> {
  const { rows } = await countsOf(engine, table);
  const features: (LiveNumeric | LiveCategorical)[] = [];
  for (const [i, feature] of reference.features.entries()) {
    features.push(feature.kind === 'numeric' ? await liveNumeric(engine, table, `v${i}`, feature.edges, rows) : { kind: 'categorical', counts: await liveCategories(engine, table, `v${i}`, feature, rows) });
  }
  return { rows, features, prediction: await liveNumeric(engine, table, scoreColumn, reference.prediction.edges, rows) };
}

/** The table's rows, and those where `column` (when given) is not missing. */
async function countsOf(engine: Engine, table: string, column?: string): Promise<{ rows: number; present: number }> {
  const [counted] = await engine.rows<{ rows: bigint; present: bigint }>(`select count(*) as rows, count(${column === undefined ? 'null' : sqlIdentifier(column)}) as present from ${sqlIdentifier(table)}`);
  return { rows: Number(counted?.rows ?? 0), present: Number(counted?.present ?? 0) };
}

const FEW_DISTINCT = 100_000;

/** Each distinct value and how many rows hold it, ascending. */
type ValueCounts = readonly { value: number; count: bigint }[];

/** The column's non-missing values at the given 0-based positions of its ascending order, and its value counts when it has few distinct values. */
async function orderStatistics(engine: Engine, table: string, column: string, positions: readonly number[], fewDistinct = FEW_DISTINCT): Promise<{ at: Map<number, number>; counted?: ValueCounts }> {
  if (positions.length === 0) return { at: new Map() };
  const value = sqlIdentifier(column);
  const [estimate] = await engine.rows<{ distinct: bigint }>(`select approx_count_distinct(${value}) as distinct from ${sqlIdentifier(table)}`);
  // Integers, codes and rounded amounts have few distinct values: counting each, in order, places every position without sorting the rows.
  if (Number(estimate?.distinct ?? 0) <= fewDistinct) {
    const counted = await engine.rows<{ value: number; count: bigint }>(`select ${value} as value, count(*) as count from ${sqlIdentifier(table)} where ${value} is not null group by all order by value`);
    if (counted.length <= fewDistinct) return { at: placeInCounts(counted, positions), counted };
  }
  const ranked = `select ${value} as value, row_number() over (order by ${value}) - 1 as position from ${sqlIdentifier(table)} where ${value} is not null`;
  // Joined with a table of the positions: faster than testing each ranked row against a list.
  await engine.run(`create or replace temp table drift_positions as select unnest([${positions.join(', ')}]::bigint[]) as position`);
  const found = await engine.rows<{ position: bigint; value: number }>(`select position, value from (${ranked}) join drift_positions using (position)`);
  return { at: new Map(found.map((entry) => [Number(entry.position), entry.value])) };
}

/** The value at each position of the ascending order that `counted` (each value and its count, ascending) describes. */
function placeInCounts(counted: readonly { value: number; count: bigint }[], positions: readonly number[]): Map<number, number> {
  const placed = new Map<number, number>();
  let next = 0;
  let end = 0;
  for (const position of [...positions].sort((a, b) => a - b)) {
    while (position >= end) end += Number(counted[next++]!.count);
    placed.set(position, counted[next - 1]!.value);
  }
  return placed;
}

/** binCounts over the engine: rows per bin (the first with value ≤ its edge, ties included as binIndex takes them), then missing. */
async function binCountsOf(engine: Engine, table: string, column: string, edges: readonly number[], rows: number, present: number): Promise<number[]> {
  if (edges.length === 0) return [present, rows - present];
  const value = sqlIdentifier(column);
  const bounds = edges.map((edge) => sqlDouble(edge + tieTolerance(edge)));
  const filters = bounds.map((bound, k) => `${sqlCountWhere(`${value} <= ${bound}${k > 0 ? ` and ${value} > ${bounds[k - 1]}` : ''}`)} as b${k}`);
  filters.push(`${sqlCountWhere(`${value} > ${bounds.at(-1)}`)} as b${edges.length}`);
  const [counted] = await engine.rows<Record<string, bigint>>(`select ${filters.join(', ')} from ${sqlIdentifier(table)}`);
  return [...edges.map((_, k) => Number(counted?.[`b${k}`] ?? 0)), Number(counted?.[`b${edges.length}`] ?? 0), rows - present];
}

/** binCountsOf from value counts: the same bounds, the same comparisons, each value once. */
function binCountsOfValues(counted: ValueCounts, edges: readonly number[], rows: number, present: number): number[] {
  if (edges.length === 0) return [present, rows - present];
  // The bounds as the SQL holds them: sqlDouble writes each as text that reads back the same double.
  const bounds = edges.map((edge) => edge + tieTolerance(edge));
  const counts = new Array<number>(edges.length + 2).fill(0);
  for (const { value, count } of counted) {
    const bin = bounds.findIndex((bound) => value <= bound);
    counts[bin === -1 ? edges.length : bin]! += Number(count);
  }
  counts[edges.length + 1] = rows - present;
  return counts;
}

async function liveNumeric(engine: Engine, table: string, column: string, edges: readonly number[], rows: number): Promise<LiveNumeric> {
  const value = sqlIdentifier(column);
  const [listed] = await engine.rows<{ present: bigint; values: number[] | null }>(`select count(${value}) as present, list(${value} order by ${value}) filter (where ${value} is not null) as values from ${sqlIdentifier(table)}`);
  const present = Number(listed?.present ?? 0);
  return { kind: 'numeric', counts: await binCountsOf(engine, table, column, edges, rows, present), values: listed?.values ?? [] };
}

/** countCategories over the engine: the most frequent first, ties by value. */
async function categoryCounts(engine: Engine, table: string, column: string, maxCategories: number): Promise<CategoryCounts> {
  const value = sqlIdentifier(column);
  const { rows, present } = await countsOf(engine, table, column);
  const top = await engine.rows<{ value: string; count: bigint }>(`select ${value} as value, count(*) as count from ${sqlIdentifier(table)} where ${value} is not null group by all order by count desc, value limit ${maxCategories}`);
  const categories = top.map((entry) => ({ value: entry.value, count: Number(entry.count) }));
  return { categories, otherCount: present - categories.reduce((sum, c) => sum + c.count, 0), missingCount: rows - present, total: rows };
}

/** Live rows per reference category, then unseen, then missing (alignCategories' buckets). */
async function liveCategories(engine: Engine, table: string, column: string, reference: CategoryCounts, rows: number): Promise<number[]> {
  const value = sqlIdentifier(column);
  const counted = await engine.rows<{ value: string; count: bigint }>(`select ${value} as value, count(*) as count from ${sqlIdentifier(table)} where ${value} is not null group by all`);
  const index = new Map(reference.categories.map(({ value: category }, i) => [category, i]));
  const counts = new Array<number>(reference.categories.length + 2).fill(0);
  let present = 0;
  for (const entry of counted) {
    const i = index.get(entry.value) ?? reference.categories.length;
    counts[i]! += Number(entry.count);
    present += Number(entry.count);
  }
  counts[counts.length - 1] = rows - present;
  return counts;
}
