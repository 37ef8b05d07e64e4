import type { TimePart } from '../contracts/pipeline-spec.js';
import { sqlString } from './engine.js';
import { ISO_TIME_PATTERN } from './iso-time.js';

/**
 * Time values in the columnar engine, as features/time.ts reads them row by row: epoch
 * milliseconds from ISO 8601 text, and the calendar parts of a time in UTC.
 */


/** Epoch milliseconds (DOUBLE) of ISO 8601 text `sql`; NULL for text that is not a time. */
export function isoTextMsSql(sql: string): string {
  return `epoch_ms(${isoTextInstantSql(sql)})::double`;
}

/** The instant (TIMESTAMPTZ) of ISO 8601 text `sql`, its date's slashes read as dashes; NULL for text that is not a time. */
export function isoTextInstantSql(sql: string): string {
  return `(case when regexp_full_match(${sql}, ${sqlString(ISO_TIME_PATTERN)}) then try_cast(replace(${sql}, '/', '-') as timestamptz) end)`;
}

/** A calendar part (DOUBLE) of epoch milliseconds `ms`, in UTC, numbered as timePart numbers it (dayOfWeek 0 is Sunday). */
export function timePartSql(ms: string, part: TimePart): string {
  return calendarPartSql(`epoch_ms(trunc(${ms})::bigint)`, part);
}

/**
 * timePartSql for a stored time `stored` (a DATE or TIMESTAMP of any precision, read in UTC) whose
 * epoch milliseconds are `ms`: from 1970 on, the part of the time itself, which is the same (epoch
 * milliseconds drop sub-millisecond digits downward there) for half the engine's work.
 */
export function storedTimePartSql(stored: string, ms: string, part: TimePart): string {
  return `(case when ${stored} >= '1970-01-01' then ${calendarPartSql(stored, part)} else ${timePartSql(ms, part)} end)`;
}

function calendarPartSql(time: string, part: TimePart): string {
  const parts: Record<TimePart, string> = { hour: `hour(${time})`, dayOfWeek: `dayofweek(${time})`, dayOfMonth: `day(${time})`, month: `month(${time})` };
  return `${parts[part]}::double`;
}
