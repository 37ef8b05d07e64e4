import type { DataWindow } from '../contracts/pipeline-run.js';
import { isoTextMsSql } from './time-sql.js';
import type { Engine } from './engine.js';
import { sqlIdentifier, sqlString } from './engine.js';
import { TabularReadError } from './errors.js';
import { copyToSnapshot } from './snapshot.js';

const NUMBER_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TIME_TYPE = /^(DATE|TIMESTAMP.*)$/;

/**
 * Keeps, of the snapshot at `from`, the rows whose `column` lies within `lastMs` of the newest
 * row's time (or of `now`), writing them, in order, as the snapshot at `target`.
 */
export async function writeTimeWindow(
  engine: Engine,
  from: string,
  target: string,
  window: { column: string; last: string; lastMs: number; from: 'newest' | 'now' },
  now: Date,
): Promise<DataWindow> {
  const table = `read_parquet(${sqlString(from)})`;
  const [described] = await engine.rows<{ column_type: string }>(`select column_type from (describe select * from ${table}) where column_name = ${sqlString(window.column)}`);
  if (!described) throw new TabularReadError(from, undefined, `source.window.column "${window.column}" is not a column of the source`);
  const column = sqlIdentifier(window.column);
  const type = described.column_type;
  const ms = NUMBER_TYPE.test(type)
    ? `cast(${column} as double)`
    : TIME_TYPE.test(type)
      ? `epoch_ms(cast(${column} as timestamp))::double`
      : type === 'VARCHAR'
        ? isoTextMsSql(column)
        : undefined;
  if (!ms) throw new TabularReadError(from, undefined, `source.window.column "${window.column}" holds ${type}, not times (ISO 8601 text, dates, timestamps or epoch milliseconds)`);
  const [stats] = await engine.rows<{ rows: bigint; timed: bigint; newest: number | null }>(`select count(*) as rows, count(${ms}) as timed, max(${ms}) as newest from ${table}`);
  const sourceRows = Number(stats?.rows ?? 0);
  const timed = Number(stats?.timed ?? 0);
  if (timed === 0) throw new TabularReadError(from, undefined, `source.window.column "${window.column}" holds no time in any row`);
  const until = window.from === 'now' ? now.getTime() : stats!.newest!;
  const since = until - window.lastMs;
  const { rows } = await copyToSnapshot(engine, `select * from ${table} where ${ms} > ${since} and ${ms} <= ${until}`, target);
  return { column: window.column, last: window.last, from: window.from, since: new Date(since).toISOString(), until: new Date(until).toISOString(), sourceRows, rows, withoutTime: sourceRows - timed };
}
