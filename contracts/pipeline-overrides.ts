/**
 * What a run may change of its spec. Overrides come from whoever may start a run (the CLI, a
 * Temporal client, an update), so they are a trust boundary of their own: only the sections and
 * fields below, never a field that decides where work runs, never a key that is no field.
 * Values are checked afterwards, with the whole spec, by the spec's own schema and bounds.
 */
import type { PipelineOverrides } from './pipeline-run.js';
import { deploySchema, evaluationSchema, sourceSchema, trainingSchema } from './pipeline-spec-sections.js';

/** Fields that place work on machines rather than describe the model: the operator's, in the spec itself. */
export const INFRASTRUCTURE_FIELDS: Readonly<Partial<Record<keyof PipelineOverrides, readonly string[]>>> = {
  training: ['taskQueue', 'startWithin'],
};

const SECTIONS = {
  source: Object.keys(sourceSchema.shape),
  training: Object.keys(trainingSchema.unwrap().shape),
  evaluation: Object.keys(evaluationSchema.shape),
  deploy: Object.keys(deploySchema.unwrap().shape),
} satisfies Record<keyof PipelineOverrides, string[]>;

export interface OverrideProblem {
  path: string;
  message: string;
}

/** Every problem with a run's overrides, each with its path (`overrides.training.taskQueue`); empty when they may be applied. */
export function overrideProblems(overrides: unknown): OverrideProblem[] {
  if (overrides === undefined) return [];
  if (!isPlainObject(overrides)) return [{ path: 'overrides', message: 'must be an object of spec sections, e.g. {"training":{"epochs":5}}' }];
  const problems: OverrideProblem[] = [];
  for (const section of Object.keys(overrides)) {
    // Own keys only: `__proto__` or `constructor` must not find Object.prototype's members.
    const fields = Object.hasOwn(SECTIONS, section) ? SECTIONS[section as keyof typeof SECTIONS] : undefined;
    const value = overrides[section];
    if (!fields) {
      problems.push({ path: `overrides.${section}`, message: `is not a section a run may override (${Object.keys(SECTIONS).join(', ')})` });
    } else if (!isPlainObject(value)) {
      problems.push({ path: `overrides.${section}`, message: 'must be an object of fields' });
    } else {
      const infrastructure = (Object.hasOwn(INFRASTRUCTURE_FIELDS, section) ? INFRASTRUCTURE_FIELDS[section as keyof PipelineOverrides] : undefined) ?? [];
      for (const field of Object.keys(value)) {
        if (infrastructure.includes(field)) problems.push({ path: `overrides.${section}.${field}`, message: 'decides where the work runs: set it in the spec, not per run' });
        else if (!fields.includes(field)) problems.push({ path: `overrides.${section}.${field}`, message: 'is not a field of the spec (misspelt?)' });
      }
    }
  }
  return problems;
}

/** A plain JSON object: not an array, not null, not a class instance. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
