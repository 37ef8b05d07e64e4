import { createHash } from 'node:crypto';
import type { StepName } from '../contracts/pipeline-run.js';

/** A step's cache key: sha256 over its code version, configuration and input content hashes, canonically ordered. */
export function cacheKey(step: StepName, codeVersion: string, config: unknown, inputs: Record<string, string>): string {
  return createHash('sha256').update(canonicalJson({ step, codeVersion, config, inputs })).digest('hex').slice(0, 32);
}

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
