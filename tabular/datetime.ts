import { isoTextMs } from './iso-time.js';

/**
 * Milliseconds since the epoch for an ISO 8601 date or date-time (a date with slashes too), as CSV
 * files and the Parquet reader write them, or NaN for other text. A date-time without a zone is
 * read as UTC, so the answer never depends on the machine's zone.
 */
export function parseDatetime(text: string): number {
  // Cheap rejection first: this runs on every text cell until a column proves not to be dates.
  const separator = text.charCodeAt(4);
  if (text.length < 10 || (separator !== 45 /* - */ && separator !== 47) /* / */) return NaN;
  return isoTextMs(text);
}
