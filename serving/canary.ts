/** Canary routing: which alias answers a request, decided by a hash of its id so a retry lands on the same version. */
import { createHash } from 'node:crypto';
import type { ServedAlias } from './registry-watch.js';

/** Share of requests sent to a canary when the caller names none for a model, in percent. */
export const DEFAULT_CANARY_PERCENT = 10;

/**
 * The alias that answers a request. Without a canary everything goes to production; with one,
 * `percent` of request ids (0–100) go to it. `seed` reshuffles which ids those are.
 */
export function chooseAlias({ requestId, percent, hasCanary, seed = '' }: { requestId: string; percent: number; hasCanary: boolean; seed?: string | number }): ServedAlias {
  if (!hasCanary || percent <= 0) return 'production';
  if (percent >= 100) return 'canary';
  const bucket = createHash('sha256').update(`${seed}\0${requestId}`).digest().readUInt32BE(0) / 2 ** 32;
  return bucket * 100 < percent ? 'canary' : 'production';
}

/** Checks a caller's canary percentages up front, so a typo fails at start-up rather than routing oddly. */
export function checkCanaryPercents(percents: Readonly<Record<string, number>>): void {
  for (const [model, percent] of Object.entries(percents)) {
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
      throw new RangeError(`canaryPercent for model "${model}" is ${percent}; expected a number from 0 to 100`);
    }
  }
}
