/**
 * Human durations in specs ('2 minutes', '30s', '1.5 hours'). Every accepted form is also a
 * valid Temporal duration string (the `ms` format), so a spec value can go to Temporal as is.
 */
const DURATION = /^(\d+(?:\.\d+)?) ?(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)$/;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Thrown for a duration string that is malformed or not positive. */
export class DurationError extends Error {
  override name = 'DurationError';
}

/** A duration's length in milliseconds; throws {@link DurationError} unless it is a positive `<number> <unit>`. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) {
    throw new DurationError(`"${text}" is not a duration like '30 seconds', '2 minutes', '1 hour' or '1 day'`);
  }
  const [, amount = '', unit = ''] = match;
  const ms = Number(amount) * (UNIT_MS[unitKey(unit)] ?? Number.NaN);
  if (!(ms > 0)) throw new DurationError(`"${text}" must be longer than zero`);
  return ms;
}

/** 'ms' and 'millisecond(s)' are milliseconds; every other unit is named by its first letter. */
function unitKey(unit: string): string {
  return unit === 'ms' || unit.startsWith('milli') ? 'ms' : unit.charAt(0);
}

/** True when {@link parseDuration} would accept the text. */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}
