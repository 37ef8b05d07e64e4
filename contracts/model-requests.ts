/**
 * The one check of each request to a model workflow, whoever sends it: the CLI, the alert
 * receiver, the drift check, a Temporal client or the Web UI. A retraining request decides whether
 * a model retrains, with which overrides, bypassing pause and cooldown when it is a person's; a
 * payload that is not a request (a bare number, a missing source) must not count as one. Alias
 * and pause requests change what serves. Pure: the model workflow runs these.
 */
import { z } from 'zod';
import { checkKeySegment } from './names.js';
import { PIPELINE_STEPS } from './pipeline-run.js';
import { overrideProblems } from './pipeline-overrides.js';
import type { RetrainRequest } from './model.js';

const retrainRequestSchema = z.strictObject({
  reason: z.string().trim().min(1, 'must say why').max(2000, 'must be at most 2000 characters'),
  source: z.enum(['cli', 'drift', 'alert', 'schedule', 'temporal-cli']),
  cache: z.strictObject({ enabled: z.boolean().optional(), disabledSteps: z.array(z.enum(PIPELINE_STEPS)).optional() }).optional(),
  overrides: z.unknown().optional(),
  resumeOf: z.string().optional(),
  evidence: z.record(z.string(), z.unknown()).optional(),
  requestedAt: z.string().optional(),
});

/** What is wrong with a retraining request, every problem with its field; undefined when it is one. */
export function retrainRequestProblem(request: unknown): string | undefined {
  const parsed = retrainRequestSchema.safeParse(request);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`);
  if (parsed.success) {
    problems.push(...overrideProblems(parsed.data.overrides).map((problem) => `${problem.path}: ${problem.message}`));
    if (parsed.data.resumeOf !== undefined) {
      try {
        checkKeySegment(parsed.data.resumeOf, 'resumeOf');
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
  }
  return problems.length > 0 ? `not a retraining request: ${problems.join('; ')}` : undefined;
}

/** The request as the decision log keeps it when it was refused: what came, cut short, never trusted as a request. */
export function refusedRequest(payload: unknown): RetrainRequest {
  let text: string;
  try {
    text = JSON.stringify(payload) ?? String(payload);
  } catch {
    text = String(payload);
  }
  return { reason: 'refused: not a retraining request', source: 'temporal-cli', evidence: { payload: text.length > 200 ? `${text.slice(0, 200)}…` : text } };
}

const aliasRequestSchema = z.strictObject({
  version: z.number().int('must be a whole version number').positive('must be a version number >= 1').optional(),
  reason: z.string().max(2000, 'must be at most 2000 characters').optional(),
  by: z.string().max(200, 'must be at most 200 characters').optional(),
});
const pauseRequestSchema = z.strictObject({ paused: z.boolean() });

/** What is wrong with a promote, rollback, approve or reject request; undefined when it is one. */
export const aliasRequestProblem = (request: unknown): string | undefined => problemOf(aliasRequestSchema, request ?? {});

/** What is wrong with a pause or resume request; undefined when it is one. */
export const pauseRequestProblem = (request: unknown): string | undefined => problemOf(pauseRequestSchema, request);

function problemOf(schema: z.ZodType, request: unknown): string | undefined {
  const parsed = schema.safeParse(request);
  return parsed.success ? undefined : `not a valid request: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`).join('; ')}`;
}
