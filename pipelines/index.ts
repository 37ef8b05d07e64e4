/** The pipelines ctrain ships, by name, and the content hash that identifies a spec in a run's inputs. */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../contracts/canonical-json.js';
import { overrideProblems } from '../contracts/pipeline-overrides.js';
import type { PipelineOverrides } from '../contracts/pipeline-run.js';
import type { PipelineSpec, PipelineSpecInput } from '../contracts/pipeline-spec.js';
import flightDelay from './flight-delay.js';
import seattleLive from './seattle-live.js';
import seattleTemperature from './seattle-temperature.js';
import { parsePipelineSpec } from './spec-errors.js';

import { PipelineSpecError } from './spec-errors.js';

export { PipelineSpecError, parsePipelineSpec } from './spec-errors.js';
export type { SpecProblem } from './spec-errors.js';

const SHIPPED: readonly PipelineSpecInput[] = [flightDelay, seattleTemperature, seattleLive];
/** Specs added at run time in this process (tests, embedding applications). */
const ADDED: PipelineSpecInput[] = [];

/** Adds a spec beside the shipped ones, for this process's workers and clients; validated now. */
export function registerPipeline(spec: PipelineSpecInput): PipelineSpec {
  const parsed = parsePipelineSpec(spec);
  if (known().some((existing) => existing.name === spec.name)) throw new PipelineSpecError(spec.name, [{ path: 'name', message: `a pipeline named "${spec.name}" already exists` }]);
  ADDED.push(spec);
  return parsed;
}

const known = (): readonly PipelineSpecInput[] => [...SHIPPED, ...ADDED];

/** Thrown by {@link loadPipeline} for a name no shipped pipeline has. */
export class UnknownPipelineError extends Error {
  override name = 'UnknownPipelineError';
}

/** Names of the shipped pipelines, sorted. */
export function pipelineNames(): string[] {
  return known().map((spec) => spec.name).sort();
}

/** The shipped (or registered) spec with this name, undefined for any other. */
export function findPipeline(name: string): PipelineSpecInput | undefined {
  return known().find((s) => s.name === name);
}

/** The shipped spec with this name, with per-run overrides merged over its sections, validated, defaults filled in. */
export function loadPipeline(name: string, overrides: PipelineOverrides = {}): PipelineSpec {
  const spec = findPipeline(name);
  if (!spec) {
    throw new UnknownPipelineError(
      `unknown pipeline "${name}"; shipped pipelines: ${pipelineNames().join(', ')}. A pipeline of your own runs from its file (npx ctrain run ./my-pipeline.ts), or from CTRAIN_PIPELINES (a folder of such files)`,
    );
  }
  return withOverrides(spec, overrides);
}

/** A spec with per-run overrides merged over its sections, validated, defaults filled in. */
export function withOverrides(spec: PipelineSpecInput, overrides: PipelineOverrides = {}): PipelineSpec {
  const problems = overrideProblems(overrides);
  if (problems.length > 0) throw new PipelineSpecError(spec.name, problems);
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
