/**
 * The pipeline spec (DESIGN §3): everything a training run needs, declared once per model and
 * checked up front. Sections and their defaults live in pipeline-spec-sections.ts, the rules that
 * span sections in pipeline-spec-rules.ts.
 */
import { z } from 'zod';
import { RULES } from './pipeline-spec-rules.js';
import {
  deploySchema,
  driftSchema,
  evaluationSchema,
  featuresSchema,
  labelSchema,
  networkSchema,
  personalSchema,
  pipelineNameSchema,
  sourceSchema,
  splitSchema,
  trainingSchema,
} from './pipeline-spec-sections.js';

export const pipelineSpecSchema = z
  .strictObject({
    /** Pipeline and model name; a lowercase slug. */
    name: pipelineNameSchema,
    /** One line for people: what the model predicts. */
    description: z.string().optional(),
    source: sourceSchema,
    label: labelSchema,
    features: featuresSchema,
    split: splitSchema,
    network: networkSchema,
    training: trainingSchema,
    evaluation: evaluationSchema,
    deploy: deploySchema,
    drift: driftSchema,
    /** Columns holding personal data: logged as a keyed hash, never in clear. Default: none. */
    personal: personalSchema.optional(),
  })
  .superRefine(
    (spec, ctx) => {
      for (const check of RULES) check(spec, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
    },
    // Run even when some sections failed: each rule checks only sections that parsed.
    { when: () => true },
  );

/** A validated spec with every default filled in. */
export type PipelineSpec = z.output<typeof pipelineSpecSchema>;
/** A spec as written: sections and fields with defaults may be left out. */
export type PipelineSpecInput = z.input<typeof pipelineSpecSchema>;
export type LabelSpec = PipelineSpec['label'];
export type FeaturesSpec = PipelineSpec['features'];
export type SplitSpec = PipelineSpec['split'];
export type TimePart = NonNullable<FeaturesSpec['timeParts']>['parts'][number];

/** Declares a pipeline spec: the identity, there so the editor and tsc check it as it is written. */
export function definePipeline(spec: PipelineSpecInput): PipelineSpecInput {
  return spec;
}

