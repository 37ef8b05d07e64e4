// ISO 8601 dates and date-times, as CSV files and the Parquet reader write them.
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Milliseconds since the epoch for an ISO 8601 date or date-time, or NaN for other text.
 * A date-time without a zone is read as UTC, so the answer never depends on the machine's zone.
 */
export function parseDatetime(text: string): number {
  // Cheap rejection first: this runs on every text cell until a column proves not to be dates.
  if (text.length < 10 || text.charCodeAt(4) !== 45 /* - */) return NaN;
  const match = ISO_DATETIME.exec(text);
  if (!match) return NaN;
  if (text.length === 10) return Date.parse(text);
  const zone = match[1];
  const normalized = text.replace(' ', 'T');
  if (zone === undefined) return Date.parse(`${normalized}Z`);
  // Date.parse wants "+01:00"; "+0100" is ISO 8601 too.
  return Date.parse(zone.length === 5 ? `${normalized.slice(0, -2)}:${normalized.slice(-2)}` : normalized);
}
