import { dashedDate, ISO_TIME_PATTERN } from './iso-time.js';

// ISO 8601 dates and date-times, as CSV files and the Parquet reader write them (a date with slashes too).
const ISO_DATETIME = new RegExp(`^${ISO_TIME_PATTERN}$`);

/**
 * Milliseconds since the epoch for an ISO 8601 date or date-time, or NaN for other text.
 * A date-time without a zone is read as UTC, so the answer never depends on the machine's zone.
 */
export function parseDatetime(text: string): number {
  // Cheap rejection first: this runs on every text cell until a column proves not to be dates.
  const separator = text.charCodeAt(4);
  if (text.length < 10 || (separator !== 45 /* - */ && separator !== 47) /* / */) return NaN;
  const match = ISO_DATETIME.exec(text);
  if (!match) return NaN;
  const [, written, time, zone] = match;
  const date = dashedDate(written!);
  if (time === undefined) return Date.parse(date);
  // Date.parse wants "+01:00"; "+0100" is ISO 8601 too.
  const offset = zone === undefined ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  return Date.parse(`${date}T${time}${offset}`);
}
