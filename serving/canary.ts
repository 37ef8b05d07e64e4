/** Canary routing: which alias answers a request, decided by a hash of its id so a retry lands on the same version. */
import { createHash } from 'node:crypto';
import type { ServedAlias } from './registry-watch.js';

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
