/**
 * Rules that span sections of a pipeline spec (label vs features, metric vs label kind, split
 * fractions…). Each reads only the sections it needs, so they run, and report, even when another
 * part of the spec is malformed.
 */
import { z } from 'zod';
import { isLowerBetter } from './metric-direction.js';
import {
  BINARY_METRICS,
  REGRESSION_METRICS,
  evaluationSchema,
  labelSchema,
  splitSchema,
  trainingSchema,
} from './pipeline-spec-sections.js';

/** Records a problem at a spec path. */
export type Report = (path: PropertyKey[], message: string) => void;

/** A cross-section rule runs on the sections it reads whenever those parsed, so one pass reports every problem. */
function rule<S extends z.ZodType>(reads: S, check: (spec: z.output<S>, report: Report) => void) {
  return (value: unknown, report: Report): void => {
    const parsed = reads.safeParse(value);
    if (parsed.success) check(parsed.data, report);
  };
}

// Lenient views of label and features, so a malformed entry elsewhere in a section does not hide these rules.
const namedColumns = z.array(z.unknown()).catch([]).default([]);
const listedFeatures = z.looseObject({
  numeric: namedColumns,
  categorical: namedColumns,
  timeParts: z.looseObject({ column: z.unknown(), parts: namedColumns }).optional().catch(undefined),
});
const namedLabel = z.looseObject({
  column: z.string(),
  positiveWhen: z.looseObject({ column: z.string() }).optional().catch(undefined),
});

const labelIsNoFeature = rule(z.looseObject({ label: namedLabel, features: listedFeatures }), ({ label, features }, report) => {
  for (const [path, column] of featureColumns(features)) {
    if (column === label.column) report(path, `"${column}" is also the label`);
    if (column === label.positiveWhen?.column) report(path, `"${column}" is the label's source (label.positiveWhen.column), so it would leak the label`);
  }
});

const noColumnTwice = rule(z.looseObject({ features: listedFeatures }), ({ features }, report) => {
  const seen = new Map<string, string>();
  for (const [path, column] of featureColumns(features)) {
    const first = seen.get(column);
    if (first === undefined) seen.set(column, formatPath(path));
    else report(path, `"${column}" is already listed at ${first}`);
  }
  features.timeParts?.parts.forEach((part, i, parts) => {
    if (parts.indexOf(part) !== i) report(['features', 'timeParts', 'parts', i], `${JSON.stringify(part)} is listed twice`);
  });
});

const someFeature = rule(z.looseObject({ features: listedFeatures }), ({ features }, report) => {
  if (featureColumns(features).length === 0) report(['features'], 'must list at least one numeric, categorical or time-part feature');
});

const labelKindFits = rule(z.looseObject({ label: labelSchema }), ({ label }, report) => {
  if (label.positiveWhen && label.kind !== 'binary') report(['label', 'positiveWhen'], 'derives a binary label, but label.kind is "regression"');
});

const metricFitsLabel = rule(z.looseObject({ label: labelSchema, evaluation: evaluationSchema }), ({ label, evaluation }, report) => {
  const allowed: readonly string[] = label.kind === 'binary' ? BINARY_METRICS : REGRESSION_METRICS;
  if (!allowed.includes(evaluation.metric)) {
    report(['evaluation', 'metric'], `"${evaluation.metric}" does not fit a ${label.kind} label; use one of ${allowed.join(', ')}`);
  }
});

const thresholdInRange = rule(z.looseObject({ evaluation: evaluationSchema }), ({ evaluation: { metric, threshold } }, report) => {
  const path = ['evaluation', 'threshold'];
  if ((metric === 'auc' || metric === 'accuracy' || metric === 'f1') && (threshold < 0 || threshold > 1)) report(path, `must lie in [0, 1] for ${metric}`);
  if (isLowerBetter(metric) && threshold <= 0) report(path, `must be > 0: it is the highest ${metric} still blessed`);
  if (metric === 'r2' && threshold > 1) report(path, 'must be <= 1 for r2');
});

const splitLeavesTraining = rule(z.looseObject({ split: splitSchema }), ({ split }, report) => {
  if (split.test + split.validation >= 1) {
    report(['split'], `test (${split.test}) + validation (${split.validation}) must be < 1 so rows are left to train on`);
  }
});

const splitIsNotByLabel = rule(z.looseObject({ split: splitSchema, label: namedLabel }), ({ split, label }, report) => {
  const labels = [label.column, label.positiveWhen?.column];
  if (split.by === 'time' && labels.includes(split.column)) report(['split', 'column'], `"${split.column}" is the label`);
  if (split.by === 'hash') {
    split.keys.forEach((key, i) => {
      if (labels.includes(key)) report(['split', 'keys', i], `"${key}" is the label`);
    });
  }
});

const earlyStopNeedsValidation = rule(z.looseObject({ split: splitSchema, training: trainingSchema }), ({ split, training }, report) => {
  if (training.earlyStopPatience > 0 && split.validation === 0) {
    report(['training', 'earlyStopPatience'], 'early stopping needs a validation split: set split.validation > 0, or earlyStopPatience to 0');
  }
});

/**
 * A keyed hash keeps equality and nothing else, so personal columns may be those that need only
 * equality: categorical features and hash-split keys. A hashed label, number or time is useless.
 */
const personalColumnsCanBeHashed = rule(
  z.looseObject({ personal: z.array(z.unknown()), label: namedLabel.optional().catch(undefined), features: listedFeatures.optional().catch(undefined), split: z.unknown() }),
  ({ personal, label, features, split }, report) => {
    const { column: splitColumn, keys } = (split && typeof split === 'object' ? split : {}) as { column?: unknown; keys?: unknown };
    const role = new Map<unknown, string>([
      ...(Array.isArray(keys) ? keys.map((key): [unknown, string] => [key, 'ok']) : []),
      ...(features?.categorical ?? []).map((column): [unknown, string] => [column, 'ok']),
      ...(features?.numeric ?? []).map((column): [unknown, string] => [column, 'is a numeric feature: its hash has no order or scale to train on']),
      [features?.timeParts?.column, 'is the time-parts column: its hash is no time'],
      [splitColumn, 'is the time-split column: its hash has no order'],
      [label?.positiveWhen?.column, "is the label's source: a hashed label cannot be trained on"],
      [label?.column, 'is the label: a hashed label cannot be trained on'],
    ]);
    personal.forEach((column, i) => {
      if (typeof column !== 'string') return;
      const why = role.get(column);
      if (personal.indexOf(column) !== i) report(['personal', i], `"${column}" is listed twice`);
      else if (why !== undefined && why !== 'ok') report(['personal', i], `"${column}" ${why}; personal columns are logged as a keyed hash`);
      // Judged only when label and features parsed, so a broken section does not make every entry look unknown.
      else if (why === undefined && label && features) report(['personal', i], `"${column}" is not a categorical feature or hash-split key of this spec`);
    });
  },
);

/** Every cross-section rule, in the order its problems are listed. */
export const RULES = [
  labelIsNoFeature,
  noColumnTwice,
  someFeature,
  labelKindFits,
  metricFitsLabel,
  thresholdInRange,
  splitLeavesTraining,
  splitIsNotByLabel,
  earlyStopNeedsValidation,
  personalColumnsCanBeHashed,
];

/** The features section as far as column lists go: well-formed in a parsed spec, possibly not while validating. */
interface FeatureLists {
  numeric: readonly unknown[];
  categorical: readonly unknown[];
  timeParts?: { column: unknown } | undefined;
}

/** Every column the features read, with its path in the spec, in spec order (entries that are not strings skipped). */
export function featureColumns(features: FeatureLists): [PropertyKey[], string][] {
  const listed: [PropertyKey[], unknown][] = [
    ...features.numeric.map((c, i): [PropertyKey[], unknown] => [['features', 'numeric', i], c]),
    ...features.categorical.map((c, i): [PropertyKey[], unknown] => [['features', 'categorical', i], c]),
    [['features', 'timeParts', 'column'], features.timeParts?.column],
  ];
  return listed.filter((entry): entry is [PropertyKey[], string] => typeof entry[1] === 'string');
}

/** A zod issue path as people write it: `features.numeric[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}
