import { createHash } from 'node:crypto';
import { canonicalJson } from '../contracts/canonical-json.js';
import type { StepName } from '../contracts/pipeline-run.js';

/** A step's cache key: sha256 over its code version, configuration and input content hashes, canonically ordered. */
export function cacheKey(step: StepName, codeVersion: string, config: unknown, inputs: Record<string, string>): string {
  return createHash('sha256').update(canonicalJson({ step, codeVersion, config, inputs })).digest('hex').slice(0, 32);
}
