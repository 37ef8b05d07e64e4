/** The pipelines ctrain ships, by name, and the content hash that identifies a spec in a run's inputs. */
import { createHash } from 'node:crypto';
import type { PipelineOverrides } from '../contracts/pipeline-run.js';
import type { PipelineSpec, PipelineSpecInput } from '../contracts/pipeline-spec.js';
import flightDelay from './flight-delay.js';
import seattleTemperature from './seattle-temperature.js';
import { parsePipelineSpec } from './spec-errors.js';

export { PipelineSpecError, parsePipelineSpec } from './spec-errors.js';
export type { SpecProblem } from './spec-errors.js';

const SHIPPED: readonly PipelineSpecInput[] = [flightDelay, seattleTemperature];

/** Thrown by {@link loadPipeline} for a name no shipped pipeline has. */
export class UnknownPipelineError extends Error {
  override name = 'UnknownPipelineError';
}

/** Names of the shipped pipelines, sorted. */
export function pipelineNames(): string[] {
  return SHIPPED.map((spec) => spec.name).sort();
}

/** The shipped spec with this name, with per-run overrides merged over its sections, validated, defaults filled in. */
export function loadPipeline(name: string, overrides: PipelineOverrides = {}): PipelineSpec {
  const spec = SHIPPED.find((s) => s.name === name);
  if (!spec) throw new UnknownPipelineError(`unknown pipeline "${name}"; known pipelines: ${pipelineNames().join(', ')}`);
  const merged: Record<string, unknown> = { ...spec };
  for (const [section, fields] of Object.entries(overrides)) {
    const base = merged[section];
    merged[section] = { ...(base && typeof base === 'object' ? base : {}), ...fields };
  }
  return parsePipelineSpec(merged);
}

/**
 * sha256 (hex) of the spec's canonical JSON: keys sorted at every depth, arrays in order, no
 * whitespace. Key order does not change it; any value does. Hash a parsed spec, so a default
 * written out and a default left out hash the same.
 */
export function specHash(spec: PipelineSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/** JSON with object keys sorted recursively; undefined-valued keys are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
