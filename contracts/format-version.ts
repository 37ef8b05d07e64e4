/**
 * Every persisted JSON of ctrain that other code reads back (the registry, step manifests, the
 * prediction log) carries the format it was written in as `format`. Readers take the formats up
 * to their own, so a stack made by an earlier ctrain keeps working, and refuse newer ones rather
 * than half understand them. Pure: workflows, activities and servers share it.
 */

/** Persisted data this code cannot read: the wrong shape, or a format newer than it knows. */
export class FormatVersionError extends Error {
  override name = 'FormatVersionError';
}

/** The format `value` was written in: absent means 1 (written before formats were recorded). */
export function formatOf(value: { format?: unknown }, current: number, what: string): number {
  const format = value.format ?? 1;
  if (typeof format !== 'number' || !Number.isInteger(format) || format < 1 || format > current) {
    throw new FormatVersionError(`${what} has format ${JSON.stringify(value.format)}; this ctrain reads formats 1 to ${current}: upgrade ctrain to read it`);
  }
  return format;
}
