import type { TimePart } from '../contracts/pipeline-spec.js';
import { isoTextMs } from '../tabular/iso-time.js';

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
  return finite(isoTextMs(value));
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
