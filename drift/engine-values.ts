/**
 * Feature values as the engine reads them for drift, the way features/values.ts reads them from
 * rows: missing means absent, null, '' or NaN; a categorical number is its JavaScript text ("1",
 * not "1.0"); a wrongly typed value fails with FeatureValueError naming the column. Two sources:
 * typed table columns (the test rows' Parquet) and the JSON inputs of the prediction log.
 */
import type { Engine } from '../tabular/engine.js';
import { sqlCountWhere, sqlIdentifier } from '../tabular/engine.js';
import { FeatureValueError, TIME_VALUE } from '../features/values.js';
import { isoTextMsSql, timePartSql } from '../tabular/time-sql.js';
import type { TimePart } from '../contracts/pipeline-spec.js';

/** Where a derived time-part feature comes from: a time column and the part taken. */
export interface TimeSource {
  column: string;
  timePart: TimePart;
}

export interface DriftFeatureColumn {
  name: string;
  kind: 'numeric' | 'categorical';
  /** A time part the model derives from another column (named `<column>.<part>`), read from that column. */
  source?: TimeSource;
}

/** How one feature is read: its value (DOUBLE for numeric, VARCHAR for categorical, NULL when missing), when it is wrongly typed, and the raw value as JSON (for the error). */
export interface FeatureValueSql {
  value: string;
  wrong: string;
  raw: string;
}

const NUMBER_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TIMESTAMP_TYPE = /^(TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP WITH TIME ZONE|DATE)$/;

/** A double as JavaScript's String() writes it, for the integers it holds exactly (digits only), else the engine's shortest text. */
const doubleText = (double: string): string =>
  `(case when isnan(${double}) then null when ${double} = trunc(${double}) and abs(${double}) < 9007199254740992 then cast(cast(${double} as bigint) as varchar) else cast(${double} as varchar) end)`;

/** A feature read from a typed column (`type` as the engine describes it, of the source column for a time part; undefined when the table lacks the column). */
export function columnValueSql(feature: DriftFeatureColumn, type: string | undefined): FeatureValueSql {
  if (type === undefined) return { value: 'null', wrong: 'false', raw: 'null' };
  if (feature.source) return timePartOfColumn(feature.source, type);
  const column = sqlIdentifier(feature.name);
  const read = (value: string, wrong = 'false'): FeatureValueSql => ({ value, wrong, raw: `to_json(${column})` });
  const double = `cast(${column} as double)`;
  if (feature.kind === 'numeric') {
    if (NUMBER_TYPE.test(type)) return read(`(case when not isnan(${double}) then ${double} end)`, `isinf(${double})`);
    if (type === 'VARCHAR') return read('cast(null as double)', `${column} <> ''`);
    return read('cast(null as double)', `${column} is not null`);
  }
  if (type === 'VARCHAR') return read(`nullif(${column}, '')`);
  if (type === 'BOOLEAN' || (NUMBER_TYPE.test(type) && !/^(FLOAT|DOUBLE|DECIMAL)/.test(type))) return read(`cast(${column} as varchar)`);
  if (NUMBER_TYPE.test(type)) return read(doubleText(double));
  // Row readers give date-times as ISO 8601 text in UTC.
  if (TIMESTAMP_TYPE.test(type)) return read(`strftime(cast(${column} as timestamp), '%Y-%m-%dT%H:%M:%S.%gZ')`);
  return read('cast(null as varchar)', `${column} is not null`);
}

/** A feature read from a JSON value `json` (one field of a logged input, the source column's for a time part; SQL NULL when the field is absent). */
export function jsonValueSql(feature: DriftFeatureColumn, json: string): FeatureValueSql {
  const type = `json_type(${json})`;
  const text = `(${json} ->> '$')`;
  const number = `${type} in ('BIGINT', 'UBIGINT', 'DOUBLE')`;
  if (feature.source) {
    // Epoch milliseconds or ISO 8601 text, as readTime takes them.
    const ms = `(case when ${number} then cast(${json} as double) when ${type} = 'VARCHAR' and ${text} <> '' then ${isoTextMsSql(text)} end)`;
    const wrong = `(${type} in ('BOOLEAN', 'OBJECT', 'ARRAY') or (${type} = 'VARCHAR' and ${text} <> '' and ${ms} is null))`;
    return { value: `(case when ${ms} is not null then ${timePartSql(ms, feature.source.timePart)} end)`, wrong, raw: json };
  }
  if (feature.kind === 'numeric') {
    return { value: `(case when ${number} then cast(${json} as double) end)`, wrong: `(${type} in ('BOOLEAN', 'OBJECT', 'ARRAY') or (${type} = 'VARCHAR' and ${text} <> ''))`, raw: json };
  }
  return {
    value: `(case when ${type} = 'VARCHAR' then nullif(${text}, '') when ${type} in ('BIGINT', 'UBIGINT', 'BOOLEAN') then ${text} when ${type} = 'DOUBLE' then ${doubleText(`cast(${json} as double)`)} end)`,
    wrong: `${type} in ('OBJECT', 'ARRAY')`,
    raw: json,
  };
}

/** A time part of a typed column: numbers are epoch milliseconds, dates and naive timestamps wall-clock times read as UTC, text ISO 8601. */
function timePartOfColumn(source: TimeSource, type: string): FeatureValueSql {
  const column = sqlIdentifier(source.column);
  const read = (ms: string, wrong: string): FeatureValueSql => ({ value: `(case when ${ms} is not null then ${timePartSql(ms, source.timePart)} end)`, wrong, raw: `to_json(${column})` });
  if (NUMBER_TYPE.test(type)) return read(`(case when isfinite(cast(${column} as double)) then cast(${column} as double) end)`, `isinf(cast(${column} as double))`);
  if (TIMESTAMP_TYPE.test(type)) return read(`epoch_ms(cast(${column} as timestamp))::double`, 'false');
  if (type === 'VARCHAR') return read(`(case when ${column} <> '' then ${isoTextMsSql(column)} end)`, `(${column} <> '' and ${isoTextMsSql(column)} is null)`);
  return read('cast(null as double)', `${column} is not null`);
}

/**
 * Materializes each feature's value from `from` (a FROM clause) as the temporary table `table`,
 * columns v0, v1, … (with `keep`'s columns first), failing on the first wrongly typed value
 * with FeatureValueError naming the column.
 */
export async function materializeValues(engine: Engine, table: string, features: readonly DriftFeatureColumn[], reads: readonly FeatureValueSql[], from: string, keep: readonly string[] = []): Promise<void> {
  const wrong = reads.map((read) => read.wrong).filter((sql) => sql !== 'false');
  const columns = [...keep, ...reads.map((read, i) => `${read.value} as v${i}`)];
  const flag = wrong.length > 0 ? `, (${wrong.join(' or ')}) as wrong` : ', false as wrong';
  await engine.run(`create or replace temp table ${sqlIdentifier(table)} as select ${columns.join(', ')}${flag} from ${from}`);
  const [{ wrong_rows = 0n } = {}] = await engine.rows<{ wrong_rows: bigint }>(`select ${sqlCountWhere('wrong')} as wrong_rows from ${sqlIdentifier(table)}`);
  if (Number(wrong_rows) === 0) return;
  // Rare: a second look at the source says which column, and what it held.
  for (const [i, read] of reads.entries()) {
    const [example] = await engine.rows<{ raw: string | null }>(`select cast(${read.raw} as varchar) as raw from ${from} where ${read.wrong} limit 1`);
    if (example) throw new FeatureValueError(features[i]!.source?.column ?? features[i]!.name, expectation(features[i]!), parsedExample(example.raw));
  }
}

function expectation(feature: DriftFeatureColumn): string {
  if (feature.source) return TIME_VALUE;
  return feature.kind === 'numeric' ? 'a finite number' : 'a string';
}

/** The wrong value as the row readers would hold it, for the error's description. */
function parsedExample(example: unknown): unknown {
  if (typeof example !== 'string') return example;
  try {
    return JSON.parse(example) as unknown;
  } catch {
    return example;
  }
}
