import type { TimePart } from '../contracts/pipeline-spec.js';
import { dashedDate, ISO_TIME_PATTERN } from '../tabular/iso-time.js';

const ISO_TIME = new RegExp(`^${ISO_TIME_PATTERN}$`);

/**
 * Epoch milliseconds of a time value: a Date, epoch milliseconds (number or bigint) or an ISO 8601
 * string (its date may have slashes: 2001/01/31). Undefined when the value is not one of those. Zone-less strings and Dates from naive
 * Parquet timestamps are wall-clock times, read as UTC, so the hour is the hour as recorded.
 */
export function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) return finite(value.getTime());
  if (typeof value === 'number') return finite(value);
  if (typeof value === 'bigint') return finite(Number(value));
  if (typeof value !== 'string') return undefined;
  const match = ISO_TIME.exec(value);
  if (!match) return undefined;
  const [, written, time, zone] = match;
  const date = dashedDate(written!);
  // Date.parse wants '+01:00'; '+0100' is ISO 8601 too.
  const offset = zone === undefined ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  return finite(Date.parse(time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${offset}`));
}

function finite(ms: number): number | undefined {
  return Number.isFinite(ms) ? ms : undefined;
}

/** A calendar part of a time, in UTC: hour 0–23, dayOfWeek 0 (Sunday)–6, dayOfMonth 1–31, month 1–12. */
export function timePart(epochMs: number, part: TimePart): number {
  const date = new Date(epochMs);
  switch (part) {
    case 'hour':
      return date.getUTCHours();
    case 'dayOfWeek':
      return date.getUTCDay();
    case 'dayOfMonth':
      return date.getUTCDate();
    case 'month':
      return date.getUTCMonth() + 1;
  }
}
