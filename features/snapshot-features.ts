/**
 * The feature step on the columnar engine, over a Parquet snapshot: the time split, the fit on
 * the training split and the transform, in a few scans, writing the same files (float32 matrices
 * of encoded rows, test rows, those in Parquet) and the same transform artifact as the row-by-row path. It takes clean data of
 * plain types; anything else (a hash split, text in a numeric feature, an unreadable time, nested
 * or exotic column types) is left to the row-by-row path, whose errors name the row and value.
 */
import { join } from 'node:path';
import { listValue } from '@duckdb/node-api';
import type { DuckDBVector } from '@duckdb/node-api';
import type { LabelSpec, PipelineSpec } from '../contracts/pipeline-spec.js';
import type { Engine } from '../tabular/engine.js';
import { sqlCountWhere, sqlDouble, sqlIdentifier, sqlString } from '../tabular/engine.js';
import { INTEGER_TYPE, NUMERIC_TYPE } from '../tabular/snapshot-statistics.js';
import type { SnapshotColumnType } from '../tabular/snapshot-statistics.js';
import type { CategoricalFeature, FeatureTransform, NumericFeature } from './feature-transform.js';
import { FEATURE_TRANSFORM_VERSION } from './feature-transform.js';
import { categorySlots, encodedWidth } from './row-encoding.js';
import { SplitFiles, TEST_ROWS_PARQUET } from './split-files.js';
import type { SplitName } from './split.js';
import { SPLIT_CODES, SPLIT_NAMES, splitNameOf } from './split.js';
import { FeatureFitError } from './transform.js';
import { isoTextMsSql, storedTimePartSql, timePartSql } from '../tabular/time-sql.js';
import { exactQuantiles, fractionalCountSql } from '../tabular/exact-quantiles.js';

const TEMPORAL_TYPE = /^(DATE|TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS)$/;
const PLAIN_TYPE = new RegExp(`^(VARCHAR|BOOLEAN|DOUBLE|FLOAT|BIGINT|INTEGER|SMALLINT|TINYINT)$|${TEMPORAL_TYPE.source}`);
const DAY_MS = 86_400_000;
/** The span of JavaScript's dates, well inside the engine's timestamps. */
const MAX_TIME_MS = 8.64e15;

/** Hears of files in the folder that are complete, by name, each with its SHA-256 where it was taken on the way. */
export type FilesWritten = (sha256: Record<string, string | undefined>) => void;

export interface EngineFeatures {
  transform: FeatureTransform;
  rows: Record<SplitName, number>;
  /** The test rows' file in the folder: {@link TEST_ROWS_PARQUET} from the engine, the JSON Lines of the row-by-row path otherwise. */
  testRowsFile: string;
}

/**
 * Runs the feature step on the engine into `dir`, or answers undefined when the data is for the
 * row-by-row path (always before any file is written). `onFilesWritten` hears of each file as soon
 * as it is complete (the test rows, then each split's matrices once they hold all its rows), so
 * they can be stored while the engine goes on.
 */
export async function featureOnEngine(engine: Engine, snapshot: string, columns: readonly SnapshotColumnType[], spec: PipelineSpec, dir: string, onFilesWritten?: FilesWritten): Promise<EngineFeatures | undefined> {
  const plan = planFor(columns, spec);
  if (!plan) return undefined;
  await engine.run(`set TimeZone = 'UTC'`);
  const from = `read_parquet(${sqlString(snapshot)}, file_row_number = true)`;
  const scanned = await firstScan(engine, from, plan);
  if (scanned.faults > 0) return undefined;

  // Labelled rows, each with its time (ties in time go by input order), read from the snapshot by
  // every query that needs them: the scan costs less than holding the rows in a table.
  // The snapshot's own columns ride along under names of their own, for the test rows.
  const raw = columns.map(({ name }, k) => `${sqlIdentifier(name)} as ctrain_column_${k}`).join(', ');
  // Views of the database, not of this connection: the test rows are written on another (see below).
  await engine.run(`create or replace view labelled_rows as select file_row_number, ${plan.label} as label, ${plan.time} as split_time, ${plan.inputs}, ${raw} from ${from} where ${plan.label} is not null`);
  // With no labelled row there is nothing to fit; the row-by-row path says so in its own words.
  if (scanned.labelled === 0) return undefined;
  const split = await splitCode(engine, spec.split, scanned, plan.timeWithin);
  await engine.run(`create or replace view labelled as select *, ${split.code} as split_code from labelled_rows`);
  // The test rows need the split only: they are written on a connection of their own while the
  // fit and the matrices go on, taking the engine's threads when JavaScript reads the matrices' chunks.
  const beside = await engine.beside();
  await beside.run(`set TimeZone = 'UTC'`);
  const testRows = writeTestRows(beside, columns, dir, split.testFrom === undefined ? 'true' : plan.timeWithin(split.testFrom, Infinity)).then(() => onFilesWritten?.({ [TEST_ROWS_PARQUET]: undefined }));
  // Handled here at once, awaited below: its failure is reported however the rest ends.
  testRows.catch(() => undefined);
  try {
    const transform = await fit(engine, plan, spec);
    const rows = await writeMatrices(engine, plan, transform, dir, split.rows, onFilesWritten);
    await testRows;
    return { transform, rows, testRowsFile: TEST_ROWS_PARQUET };
  } finally {
    // Never left running into the engine's close.
    await testRows.catch(() => undefined);
  }
}

/**
 * SQL for a labelled row's split code: the first rows in time order train, the next validate, the
 * last test. Only the last training row and the last validation row are looked up by rank; every
 * row then compares its own (time, row) with them. `testFrom` is the earliest time a test row
 * can have, when any row is outside the test split.
 */
async function splitCode(engine: Engine, split: PipelineSpec['split'], scanned: FirstScan, timeWithin: Plan['timeWithin']): Promise<{ code: string; rows: Record<SplitName, number>; testFrom?: number }> {
  // The last rank (from 1) of each of the first two splits, counted as the row-by-row path counts them.
  const n = scanned.labelled;
  const [testCount, validationCount] = [Math.round(n * split.test), Math.round(n * split.validation)];
  const lastRanks = [n - testCount - validationCount, n - testCount];
  const atRank = await rowsAtRanks(engine, lastRanks, scanned, timeWithin);
  // A split with no rows has no last row: nothing falls at or before it.
  const atOrBefore = (cutoff: RankedRow | undefined): string =>
    cutoff ? `(split_time < ${sqlDouble(cutoff.split_time)} or (split_time = ${sqlDouble(cutoff.split_time)} and file_row_number <= ${cutoff.file_row_number}))` : 'false';
  return {
    code: `(case when ${atOrBefore(atRank[0])} then ${SPLIT_CODES.train} when ${atOrBefore(atRank[1])} then ${SPLIT_CODES.validation} else ${SPLIT_CODES.test} end)`,
    // Each (time, row) is one rank: a split holds exactly the rows up to its last rank.
    rows: splitRows(n, lastRanks),
    testFrom: (atRank[1] ?? atRank[0])?.split_time,
  };
}

/** The rows of each split, given the labelled rows and the last rank of the first two splits (below 1 when a split is empty). */
function splitRows(labelled: number, [lastTrain, lastValidation]: readonly number[]): Record<SplitName, number> {
  const train = Math.max(lastTrain!, 0);
  const validation = Math.max(lastValidation!, train) - train;
  return { train, validation, test: labelled - train - validation };
}

interface RankedRow {
  split_time: number;
  file_row_number: bigint;
}

/** Bins of equal width over the span of times, by which a rank is narrowed down before any sort. */
const TIME_BINS = 4096;

/**
 * The labelled rows at these 1-based ranks in (time, row) order; undefined for a rank below 1.
 * Sorting every row took longer than the rest of the split: the times are counted into bins of
 * equal width, and only the rows of the bins that hold the ranks are sorted (all of them only when
 * every time is the same).
 */
async function rowsAtRanks(engine: Engine, ranks: readonly number[], { low, high }: FirstScan, timeWithin: Plan['timeWithin']): Promise<(RankedRow | undefined)[]> {
  const bin = high > low ? `least(floor((split_time - ${sqlDouble(low)}) / ${sqlDouble(high - low)} * ${TIME_BINS}), ${TIME_BINS - 1})::integer` : '0';
  const counted = await engine.rows<{ bin: number; n: bigint }>(`select ${bin} as bin, count(*) as n from labelled_rows group by all order by bin`);
  // Each rank as its bin and its 1-based place there.
  const wanted = ranks.map((rank) => {
    if (!(rank >= 1)) return undefined;
    let before = 0;
    const holding = counted.find((entry) => (before += Number(entry.n)) >= rank)!;
    return { bin: holding.bin, place: rank - (before - Number(holding.n)) };
  });
  const places = wanted.filter((entry) => entry !== undefined);
  if (places.length === 0) return wanted.map(() => undefined);
  const bins = [...new Set(places.map((entry) => entry.bin))];
  const binWidth = (high - low) / TIME_BINS;
  const within = timeWithin(low + Math.min(...bins) * binWidth, low + (Math.max(...bins) + 1) * binWidth);
  const found = await engine.rows<{ bin: number; place: bigint; split_time: number; file_row_number: bigint }>(
    `select bin, place, split_time, file_row_number from (select ${bin} as bin, split_time, file_row_number, row_number() over (partition by bin order by split_time, file_row_number) as place from labelled_rows where ${within} and ${bin} in (${bins.join(', ')})) ` +
      `where ${places.map((entry) => `(bin = ${entry.bin} and place = ${entry.place})`).join(' or ')}`,
  );
  return wanted.map((entry) => entry && found.find((row) => row.bin === entry.bin && Number(row.place) === entry.place));
}

interface Plan {
  /** SQL for the label as a number, null when the row has none. */
  label: string;
  /** SQL for the split column's time in epoch milliseconds. */
  time: string;
  /** The input columns the transform reads, selected under names of their own (ctrain_input_0, …). */
  inputs: string;
  numeric: { feature: Omit<NumericFeature, 'impute' | 'mean' | 'std'>; value: string }[];
  categorical: { column: string; text: string }[];
  /** Checks whose count must be 0 for the engine path. */
  faults: string[];
  /**
   * SQL true for at least the labelled rows whose time lies in [from, to] (epoch ms), on the split
   * column as stored where its type allows: the engine then skips the row groups whose statistics
   * lie outside, most of a time-ordered snapshot. A superset only: the exact test on split_time
   * always goes with it.
   */
  timeWithin: (from: number, to: number) => string;
}

/** What the engine computes, or undefined when a column's type or the split asks for the row-by-row path. */
function planFor(columns: readonly SnapshotColumnType[], spec: PipelineSpec): Plan | undefined {
  if (spec.split.by !== 'time' || !columns.every((column) => PLAIN_TYPE.test(column.type))) return undefined;
  const typeOf = new Map(columns.map((column) => [column.name, column.type]));
  const { numeric, categorical, timeParts } = spec.features;
  const inputNames = [...new Set([...numeric, ...categorical, ...(timeParts ? [timeParts.column] : [])])];
  if (!inputNames.every((name) => typeOf.has(name))) return undefined;
  // Inputs go by names no snapshot column has, so raw columns and inputs can be selected side by side.
  const input = (name: string): string => `ctrain_input_${inputNames.indexOf(name)}`;
  const faults: string[] = [];

  const timeOf = (name: string, sql: string): string | undefined => {
    const type = typeOf.get(name);
    if (type === undefined) return undefined;
    if (NUMERIC_TYPE.test(type)) {
      faults.push(`${sql} is not null and not isfinite(${sql}::double)`);
      return `(case when isfinite(${sql}::double) then ${sql}::double end)`;
    }
    // Dates and naive timestamps are wall-clock times read as UTC, as the row path reads them.
    if (TEMPORAL_TYPE.test(type)) return `epoch_ms(${sql}::timestamp)::double`;
    if (type !== 'VARCHAR') return undefined;
    const ms = isoTextMsSql(sql);
    // Text that is not a time is the row-by-row path's to name.
    faults.push(`${sql} <> '' and ${ms} is null`);
    return `(case when ${sql} <> '' then ${ms} end)`;
  };

  const splitTime = timeOf(spec.split.column, sqlIdentifier(spec.split.column));
  if (splitTime === undefined) return undefined;
  const splitName = spec.split.column;
  const splitType = typeOf.get(splitName)!;
  const splitColumn = `ctrain_column_${columns.findIndex((column) => column.name === splitName)}`;
  // A day either side: whatever the stored type rounds a time to (a date, whole seconds), the bound
  // still holds. Past the range of times a bound is no bound.
  const bound = (comparison: string, ms: number): string =>
    Math.abs(ms) < MAX_TIME_MS ? `${splitColumn} ${comparison} cast(make_timestamp(${Math.round(ms) * 1000}::bigint) as ${splitType})` : 'true';
  const timeWithin = (from: number, to: number): string => (TEMPORAL_TYPE.test(splitType) ? `${bound('>=', from - DAY_MS)} and ${bound('<=', to + DAY_MS)}` : 'true');
  const label = labelSql(spec.label, typeOf);
  if (label === undefined) return undefined;
  faults.push(`${label} is not null and ${splitTime} is null`);
  // A label the reader would refuse (validate names those) is the row-by-row path's to report.
  const labelColumn = sqlIdentifier(spec.label.positiveWhen?.column ?? spec.label.column);
  faults.push(typeOf.get(spec.label.positiveWhen?.column ?? spec.label.column) === 'VARCHAR' ? `${labelColumn} <> '' and ${label} is null` : `${labelColumn} is not null and not isnan(${labelColumn}::double) and ${label} is null`);

  const numericPlan: Plan['numeric'] = [];
  for (const column of numeric) {
    const type = typeOf.get(column)!;
    if (!NUMERIC_TYPE.test(type)) return undefined;
    faults.push(`${input(column)} is not null and not isnan(${input(column)}::double) and not isfinite(${input(column)}::double)`);
    numericPlan.push({ feature: { name: column, column }, value: `(case when isfinite(${input(column)}::double) then ${input(column)}::double end)` });
  }
  if (timeParts) {
    const ms = timeOf(timeParts.column, input(timeParts.column));
    if (ms === undefined) return undefined;
    const stored = TEMPORAL_TYPE.test(typeOf.get(timeParts.column)!);
    for (const name of timeParts.parts) {
      const value = stored ? storedTimePartSql(input(timeParts.column), ms, name) : timePartSql(ms, name);
      numericPlan.push({ feature: { name: `${timeParts.column}.${name}`, column: timeParts.column, timePart: name }, value });
    }
  }
  const categoricalPlan = categorical.map((column) => ({ column, text: categoryText(input(column), typeOf.get(column)!) }));
  return {
    label,
    time: splitTime,
    inputs: inputNames.map((name) => `${sqlIdentifier(name)} as ${input(name)}`).join(', ') || '0 as ctrain_input_0',
    numeric: numericPlan,
    categorical: categoricalPlan,
    faults,
    timeWithin,
  };
}

/** A category as the row-by-row path writes it (String(value)): integers by their digits, missing and empty text as null. */
function categoryText(column: string, type: string): string {
  if (type === 'VARCHAR') return `nullif(${column}, '')`;
  if (type === 'BOOLEAN' || INTEGER_TYPE.test(type)) return `${column}::varchar`;
  // Whole doubles as JavaScript writes them (1, not 1.0); others as the shortest text that reads back the same.
  return `(case when isnan(${column}) then null when ${column} = trunc(${column}) and abs(${column}) < 1e21 then ${column}::hugeint::varchar else ${column}::varchar end)`;
}

/** The label as a number, as labelOf reads it, or undefined when its column's type is for the row-by-row path. */
function labelSql(label: LabelSpec, typeOf: Map<string, string>): string | undefined {
  const rule = label.positiveWhen;
  const name = rule?.column ?? label.column;
  const type = typeOf.get(name);
  if (type === undefined) return undefined;
  const column = sqlIdentifier(name);
  const numeric = NUMERIC_TYPE.test(type);
  const number = numeric ? `(case when isfinite(${column}::double) then ${column}::double end)` : undefined;
  const binary = type === 'BOOLEAN' ? `${column}::int::double` : numeric ? `(case when ${column} in (0, 1) then ${column}::double end)` : `(case when ${column} in ('true', '1') then 1.0 when ${column} in ('false', '0') then 0.0 end)`;
  if (!rule) return label.kind === 'regression' ? number : binary;
  const positive = (test: string, value: string): string => `(case when ${value} is null then null when ${test} then 1.0 else 0.0 end)`;
  if (typeof rule.equals === 'string') return type === 'VARCHAR' ? positive(`${column} = ${sqlString(rule.equals)}`, `nullif(${column}, '')`) : undefined;
  if (typeof rule.equals === 'boolean') return positive(`${binary} = ${Number(rule.equals)}`, binary);
  if (!number) return undefined;
  const comparison = rule.greaterThan !== undefined ? `> ${sqlDouble(rule.greaterThan)}` : rule.atLeast !== undefined ? `>= ${sqlDouble(rule.atLeast)}` : rule.lessThan !== undefined ? `< ${sqlDouble(rule.lessThan)}` : rule.atMost !== undefined ? `<= ${sqlDouble(rule.atMost)}` : `= ${sqlDouble(Number(rule.equals))}`;
  return positive(`${number} ${comparison}`, number);
}

/** What one scan of the snapshot finds: rows the engine path must leave (faults), labelled rows, and the span of their times. */
interface FirstScan {
  faults: number;
  labelled: number;
  low: number;
  high: number;
}

async function firstScan(engine: Engine, from: string, plan: Plan): Promise<FirstScan> {
  const faults = plan.faults.length === 0 ? 'false' : plan.faults.map((fault) => `(${fault})`).join(' or ');
  const labelled = `${plan.label} is not null`;
  const [found] = await engine.rows<{ faults: bigint; labelled: bigint; low: number | null; high: number | null }>(
    `select ${sqlCountWhere(faults)} as faults, ${sqlCountWhere(labelled)} as labelled, min(case when ${labelled} then ${plan.time} end) as low, max(case when ${labelled} then ${plan.time} end) as high from (select *, ${plan.inputs} from ${from})`,
  );
  return { faults: Number(found?.faults ?? 0), labelled: Number(found?.labelled ?? 0), low: found?.low ?? 0, high: found?.high ?? 0 };
}

/** Means, deviations and imputed values of the numeric features and the vocabularies, over the training split. */
async function fit(engine: Engine, plan: Plan, spec: PipelineSpec): Promise<FeatureTransform> {
  const training = `from labelled where split_code = ${SPLIT_CODES.train}`;
  const byMedian = spec.features.impute === 'median';
  const moments = plan.numeric.flatMap(({ value }, i) => [
    `count(${value}) as n${i}`,
    `avg(${value}) as mean${i}`,
    `stddev_pop(${value}) as std${i}`,
    ...(byMedian ? [`min(${value}) as min${i}`, `max(${value}) as max${i}`, `${fractionalCountSql(value)} as fractional${i}`] : []),
  ]);
  const { whole: fitted, ranked } = await momentsAndCounts(engine, training, moments, plan.categorical, spec.features.maxVocabulary);
  const fittedRows = Number(fitted.fitted_rows ?? 0);
  if (fittedRows === 0) throw new FeatureFitError('the training split is empty: there is nothing to fit the feature transform on');
  plan.numeric.forEach(({ feature }, i) => {
    if (Number(fitted[`n${i}`]) === 0) throw new FeatureFitError(`numeric feature "${feature.name}" has no values in the training split`);
  });
  const field = (name: string, i: number): number => Number(fitted[`${name}${i}`]);
  const medians = byMedian
    ? await exactQuantiles(engine, `(select * ${training})`, plan.numeric.map(({ value }, i) => ({ value, count: field('n', i), min: field('min', i), max: field('max', i), fractional: field('fractional', i) })), [0.5])
    : [];
  const numeric: NumericFeature[] = plan.numeric.map(({ feature }, i) => {
    const mean = field('mean', i);
    const std = field('std', i);
    // A constant column carries no signal; std 1 maps it to 0 instead of dividing by zero.
    return { ...feature, impute: byMedian ? medians[i]!.quantiles[0]! : mean, mean, std: std > 1e-12 ? std : 1 };
  });
  const categorical: CategoricalFeature[] = plan.categorical.map(({ column }, j) => ({ column, encoding: 'one-hot', vocabulary: ranked[j]! }));
  return { version: FEATURE_TRANSFORM_VERSION, fittedRows, numeric, categorical, label: spec.label };
}

/**
 * Over the training rows (`training`, a FROM clause): the `moments` over all of them, in one scan, and
 * each categorical column's `maxVocabulary` most frequent values, most frequent first, equal counts
 * by value so the order never varies, in another: a grouping set per column, instead of a scan per
 * column. Counts only there: an aggregate in it is kept for every category of every set, and the
 * moments with them (40 numeric and 40 categorical features) ran a 512 MB engine out of memory; at
 * 3M flights the two scans cost about as much as one carrying both.
 */
async function momentsAndCounts(engine: Engine, training: string, moments: readonly string[], categorical: Plan['categorical'], maxVocabulary: number): Promise<{ whole: Record<string, unknown>; ranked: string[][] }> {
  const [whole = {}] = await engine.rows<Record<string, unknown>>(`select ${['count(*) as fitted_rows', ...moments].join(', ')} ${training}`);
  if (categorical.length === 0) return { whole, ranked: [] };
  const names = categorical.map((_, j) => `ctrain_category_${j}`);
  // Each set named by the column it groups, asked of grouping() one column at a time: a bit mask of
  // them all takes 63 columns at most (and JavaScript numbers hold 53 bits).
  const set = `(case ${names.map((name, j) => `when grouping(${name}) = 0 then ${j}`).join(' ')} end)`;
  const grouped = `select ${set} as ctrain_set, coalesce(${names.join(', ')}) as ctrain_value, count(*) as fitted_rows from (select *, ${categorical.map(({ text }, j) => `${text} as ${names[j]}`).join(', ')} ${training}) group by grouping sets (${names.map((name) => `(${name})`).join(', ')})`;
  const rows = await engine.rows<Record<string, unknown>>(
    `select * from (${grouped}) where ctrain_value is not null qualify row_number() over (partition by ctrain_set order by fitted_rows desc, ctrain_value) <= ${maxVocabulary} order by ctrain_set, fitted_rows desc, ctrain_value`,
  );
  return { whole, ranked: names.map((_, j) => rows.filter((row) => Number(row.ctrain_set) === j).map((row) => String(row.ctrain_value))) };
}

/**
 * The transform over every labelled row, in input order, into each split's float32 matrices,
 * rows encoded as category slots: the engine computes the standardised numbers and each
 * category's slot, and they are interleaved into rows here, a chunk of rows at a time.
 */
async function writeMatrices(engine: Engine, plan: Plan, transform: FeatureTransform, dir: string, expected: Record<SplitName, number>, onFilesWritten?: FilesWritten): Promise<Record<SplitName, number>> {
  const numeric = plan.numeric.map(({ value }, i) => {
    const { impute, mean, std } = transform.numeric[i]!;
    return `((coalesce(${value}, ${sqlDouble(impute)}) - ${sqlDouble(mean)}) / ${sqlDouble(std)})::float`;
  });
  // A category's slot is its place in the vocabulary, looked up through an enum type made of the
  // vocabulary: a hash lookup, where searching a list cost time in proportion to its length (ten
  // times as long per row for 1,000 values as for 100). Out of the vocabulary (or missing): the last slot.
  const slots: string[] = [];
  for (const [i, { text }] of plan.categorical.entries()) {
    const vocabulary = transform.categorical[i]!.vocabulary;
    if (vocabulary.length > 0) await engine.run(`create type ctrain_vocabulary_${i} as enum (select unnest($1::varchar[]))`, [listValue(vocabulary)]);
    const slot = vocabulary.length === 0 ? 'null' : `enum_code(try_cast(${text} as ctrain_vocabulary_${i}))`;
    slots.push(`coalesce(${slot}, ${vocabulary.length})::float`);
  }
  const encoding = categorySlots(transform);
  const width = encodedWidth(encoding);
  // Past its default of about 1 MB of rows ahead, the engine's threads waited on this one: the train split at 3M rows streamed in 350 ms, against 200 with 16 MB.
  await engine.run(`set streaming_buffer_size = '16MB'`);
  const files = await SplitFiles.create(dir, encoding);
  // A split with all its rows is finished and reported at once: time-ordered data fills the
  // training split first, which is then stored while the rest is written.
  const finished = new Set<SplitName>();
  const finish = async (split: SplitName): Promise<void> => {
    finished.add(split);
    onFilesWritten?.(await files.finishSplit(split));
  };
  try {
    for (const split of SPLIT_NAMES) if (expected[split] === 0) await finish(split);
    // Each encoded value as a FLOAT column of its own, interleaved into rows here: building a
    // FLOAT[width] array per row cost the engine more than the whole interleave (at 3M rows, 190
    // ms of its time against 100 for the columns). One scan for every split: a chunk whose rows
    // share a split (time-ordered data) is written as it stands, others are sorted out by split
    // here. The engine keeps the snapshot's row order (preserve_insertion_order), so no sort is needed.
    const values = [...numeric, ...slots].map((value, i) => `${value} as ctrain_value_${i}`);
    const result = await engine.stream(`select split_code::utinyint as split, label::float as label${values.map((value) => `, ${value}`).join('')} from labelled`);
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      // Read once: each read of rowCount is a call into the bindings.
      const rowCount = chunk.rowCount;
      const splitOf = columnItems(chunk.getColumnVector(0), rowCount, Uint8Array);
      const labels = columnItems(chunk.getColumnVector(1), rowCount, Float32Array);
      const features = new Float32Array(rowCount * width);
      for (let i = 0; i < width; i++) {
        const column = columnItems(chunk.getColumnVector(2 + i), rowCount, Float32Array);
        for (let row = 0, at = i; row < rowCount; row++, at += width) features[at] = column[row]!;
      }
      for (const [code, rows] of rowsBySplit(splitOf)) {
        const split = splitNameOf(code);
        if (finished.has(split)) throw new Error(`the feature step's ${split} split got more than the ${expected[split]} rows its ranks give`);
        if (rows.length === rowCount) await files.addBlock(split, features, labels);
        else await files.addBlock(split, gatherRows(features, width, rows), gatherRows(labels, 1, rows));
        if (files.rows()[split] === expected[split]) await finish(split);
      }
    }
    const written = files.rows();
    const short = SPLIT_NAMES.filter((split) => written[split] !== expected[split]);
    if (short.length > 0) throw new Error(`the feature step wrote ${JSON.stringify(written)} rows by split, where the ranks give ${JSON.stringify(expected)}`);
    await files.finish();
    return written;
  } finally {
    await files.close();
  }
}

/** A chunk's rows by split code, in row order within each. */
function rowsBySplit(codes: ArrayLike<number>): Map<number, number[]> {
  const bySplit = new Map<number, number[]>();
  for (let row = 0; row < codes.length; row++) {
    const code = codes[row]!;
    const rows = bySplit.get(code);
    if (rows) rows.push(row);
    else bySplit.set(code, [row]);
  }
  return bySplit;
}

/** The given rows (each `width` values) of a row-major matrix, in their order. */
function gatherRows(values: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const gathered = new Float32Array(rows.length * width);
  rows.forEach((row, k) => {
    for (let i = 0; i < width; i++) gathered[k * width + i] = values[row * width + i]!;
  });
  return gathered;
}

/**
 * A chunk's column of numbers that are never null (the query coalesces every one), as a typed array
 * of `Kind`. The vector holds them in one that the bindings do not expose by type: read it when it
 * is there, each item through getItem otherwise.
 */
function columnItems<T extends Float32Array | Uint8Array>(vector: DuckDBVector, rows: number, Kind: new (length: number) => T): T {
  const items = (vector as unknown as { items?: unknown }).items;
  if (items instanceof Kind && items.length === rows) return items;
  const read = new Kind(rows);
  for (let row = 0; row < rows; row++) read[row] = vector.getItem(row) as number;
  return read;
}

/**
 * The test split's rows, in input order, as a Parquet file of the snapshot's own columns and types:
 * read back by the row reader, they are the rows it reads from the snapshot.
 */
async function writeTestRows(engine: Engine, columns: readonly SnapshotColumnType[], dir: string, inTestTimes: string): Promise<void> {
  const selected = columns.map(({ name }, k) => `ctrain_column_${k} as ${sqlIdentifier(name)}`).join(', ');
  await engine.run(`copy (select ${selected} from labelled where ${inTestTimes} and split_code = ${SPLIT_CODES.test}) to ${sqlString(join(dir, TEST_ROWS_PARQUET))} (format parquet, compression zstd)`);
}
