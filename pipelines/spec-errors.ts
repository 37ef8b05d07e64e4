import type { z } from 'zod';
import { pipelineSpecSchema } from '../contracts/pipeline-spec.js';
import { formatPath } from '../contracts/pipeline-spec-rules.js';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';

/** One thing wrong with a spec: where (`training.epochs`, `features.numeric[1]`) and what. */
export interface SpecProblem {
  path: string;
  message: string;
}

/** A spec that failed validation. The message lists every problem, one per line, with its field path. */
export class PipelineSpecError extends Error {
  override name = FAILURE_TYPES.PipelineSpecError;

  constructor(
    /** The spec's name when it has a readable one, else undefined. */
    readonly pipeline: string | undefined,
    readonly problems: readonly SpecProblem[],
  ) {
    const lines = problems.map((p) => `  - ${p.path || '(spec)'}: ${p.message}`);
    super(`${pipeline ?? 'pipeline spec'}: spec is invalid:\n${lines.join('\n')}`);
  }
}

/** Validates a spec and fills in its defaults; throws {@link PipelineSpecError} naming every problem at once. */
export function parsePipelineSpec(input: unknown): PipelineSpec {
  const result = pipelineSpecSchema.safeParse(input, { error: genericMessage, reportInput: true });
  if (result.success) return result.data;
  throw new PipelineSpecError(nameOf(input), dedupe(result.error.issues.flatMap(problemsOf)));
}

/** Top-level sections that were renamed, with what a spec written for the old name should say instead. */
const RENAMED_SECTIONS = new Map([['model', 'is now called network (same fields)']]);

function problemsOf(issue: z.core.$ZodIssue): SpecProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: (issue.path.length === 0 ? RENAMED_SECTIONS.get(key) : undefined) ?? 'is not a field of the spec (misspelt?)' }));
  }
  if (issue.code === 'invalid_union' && issue.inclusive !== false && issue.options !== undefined) {
    return [{ path: formatPath(issue.path), message: issue.input === undefined ? 'is required' : `must be one of ${quoted(issue.options)}` }];
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** Messages for schemas that set none of their own; schema-level messages take precedence. */
function genericMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected === 'array' ? 'a list' : /^[aeiou]/.test(issue.expected) ? `an ${issue.expected}` : `a ${issue.expected}`}`;
    case 'invalid_value':
      return `must be one of ${quoted(issue.values)}`;
    case 'too_small':
      return issue.origin === 'array' ? `must have at least ${String(issue.minimum)} item(s)` : undefined;
    default:
      return undefined;
  }
}

function quoted(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function nameOf(input: unknown): string | undefined {
  const name = typeof input === 'object' && input !== null ? (input as { name?: unknown }).name : undefined;
  return typeof name === 'string' && /^[\w.-]{1,80}$/.test(name) ? name : undefined;
}

function dedupe(problems: SpecProblem[]): SpecProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
