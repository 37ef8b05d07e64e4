// Pure (no engine): features/time.ts reads times row by row with it, in any process.
// ISO 8601 date or date-time; a date-time without an offset is read as UTC, not local time.
/** The text of an ISO 8601 date or date-time, as a pattern the columnar engine matches too. */
export const ISO_TIME_PATTERN = String.raw`(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?`;
