/**
 * The one check of a retraining request, whoever sends it: the CLI, the alert receiver, the drift
 * check, a Temporal client or the Web UI. A request decides whether a model retrains, with which
 * overrides, bypassing pause and cooldown when it is a person's; a payload that is not a request
 * (a bare number, a missing source) must not count as one. Pure: the model workflow runs it.
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
