// Pure (no engine): features/time.ts reads times row by row with it, in any process.
// ISO 8601 date or date-time; a date-time without an offset is read as UTC, not local time. The
// date may be written with slashes (2001/01/31 08:30), as many exports write it: year first, so it
// is never ambiguous the way 01/02/2001 is.
/** The text of an ISO 8601 date or date-time, as a pattern the columnar engine matches too. */
export const ISO_TIME_PATTERN = String.raw`(\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?`;

/** The date of a matched time with dashes, as Date.parse and the engine's cast read it. */
export const dashedDate = (date: string): string => date.replaceAll('/', '-');
