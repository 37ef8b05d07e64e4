/**
 * The fitted feature transform: a plain-JSON artifact the feature step writes and the trainer,
 * the model server and batch scoring all load, so features are computed one way everywhere.
 */
import { z } from 'zod';
import type { LabelSpec, TimePart } from '../contracts/pipeline-spec.js';
import { labelSchema, TIME_PARTS } from '../contracts/pipeline-spec-sections.js';

/** Format version; a reader refuses any other. */
export const FEATURE_TRANSFORM_VERSION = 1;

/** Name of the one-hot slot that catches categories outside the vocabulary (and missing ones). */
export const OOV = '<oov>';

/** A numeric input: imputed, then standardised to (x - mean) / std. */
export interface NumericFeature {
  /** The column name, or `column.part` for a time part (e.g. 'date.hour'). */
  name: string;
  /** Column read from the row. */
  column: string;
  /** Set for a part derived from a time column; the value is then that part in UTC. */
  timePart?: TimePart | undefined;
  /** Stands in for a missing value: the training split's mean or median, in column units. */
  impute: number;
  /** Training mean, in column units. */
  mean: number;
  /** Training standard deviation (population); 1 for a constant column, so it maps to 0, not NaN. */
  std: number;
}

/**
 * A categorical input, one-hot encoded (dense inputs suit the MLP and linear models, and the
 * vocabulary is capped): one slot per vocabulary entry, then one out-of-vocabulary slot.
 */
export interface CategoricalFeature {
  column: string;
  encoding: 'one-hot';
  /** Categories seen in training, most frequent first, ties by value; at most features.maxVocabulary. */
  vocabulary: string[];
}

/** Feature vector layout: numeric features in order, then each categorical feature's one-hot block. */
export interface FeatureTransform {
  version: typeof FEATURE_TRANSFORM_VERSION;
  /** Training rows the statistics were fitted on. */
  fittedRows: number;
  numeric: NumericFeature[];
  categorical: CategoricalFeature[];
  /** How to read the label from a row (copied from the spec). */
  label: LabelSpec;
}

const featureTransformSchema = z.strictObject({
  version: z.literal(FEATURE_TRANSFORM_VERSION),
  fittedRows: z.number().int().nonnegative(),
  numeric: z.array(
    z.strictObject({
      name: z.string(),
      column: z.string(),
      timePart: z.enum(TIME_PARTS).optional(),
      impute: z.number(),
      mean: z.number(),
      std: z.number().positive(),
    }),
  ),
  categorical: z.array(z.strictObject({ column: z.string(), encoding: z.literal('one-hot'), vocabulary: z.array(z.string()) })),
  label: labelSchema,
}) satisfies z.ZodType<FeatureTransform>;

/** Thrown when a stored transform is not one this code can apply. */
export class FeatureTransformFormatError extends Error {
  override name = 'FeatureTransformFormatError';
}

/** Checks a deserialised transform (e.g. JSON.parse of the artifact) and returns it typed. */
export function readFeatureTransform(value: unknown): FeatureTransform {
  const parsed = featureTransformSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new FeatureTransformFormatError(`not a version ${FEATURE_TRANSFORM_VERSION} feature transform: ${problems.join('; ')}`);
}

/** One name per slot of the feature vector: numeric names, then `column=value` and `column=<oov>`. */
export function featureNames(transform: FeatureTransform): string[] {
  return [
    ...transform.numeric.map((feature) => feature.name),
    ...transform.categorical.flatMap(({ column, vocabulary }) => [...vocabulary, OOV].map((value) => `${column}=${value}`)),
  ];
}

/** Each input feature and its columns in the vector: a numeric feature one, a categorical column its vocabulary and the OOV slot. */
export function featureGroups(transform: FeatureTransform): { name: string; slots: number[] }[] {
  let slot = 0;
  return [
    ...transform.numeric.map((feature) => ({ name: feature.name, slots: [slot++] })),
    ...transform.categorical.map(({ column, vocabulary }) => ({ name: column, slots: Array.from({ length: vocabulary.length + 1 }, () => slot++) })),
  ];
}

/** Length of the feature vector. */
export function featureWidth(transform: FeatureTransform): number {
  return transform.numeric.length + transform.categorical.reduce((width, c) => width + c.vocabulary.length + 1, 0);
}

/** The columns a row must carry to be transformed (the label excluded), in vector order, each once. */
export function inputColumns(transform: FeatureTransform): string[] {
  return [...new Set([...transform.numeric.map((f) => f.column), ...transform.categorical.map((f) => f.column)])];
}
