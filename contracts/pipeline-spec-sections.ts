/**
 * The sections of a pipeline spec, each a zod schema with its defaults. The whole spec, with its
 * cross-field rules, is assembled in pipeline-spec.ts.
 */
import { z } from 'zod';
import { isDuration, parseDuration } from './duration.js';
import { nameProblem } from './names.js';
import { parseSourceUri } from './source-uri.js';
import { TASK_QUEUES } from './stack.js';

/** Longest duration a spec may give (soak, cooldown, windows): ten years. */
const MAX_DURATION_MS = 3650 * 86_400_000;

/** Error option: "is required" when the field is absent, else `message`. */
const expecting = (message: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message) });

/**
 * Every number has an upper bound: a spec (or a run's override) is input from people and scripts,
 * and `epochs: 1e12` or a billion-unit layer would hold a trainer for ever rather than fail.
 */
const atMost = (max: number) => (n: number) => n <= max;
const positiveInt = (max: number, message = 'must be a positive integer') =>
  z
    .number(expecting(message))
    .refine((n) => Number.isInteger(n) && n > 0, message)
    .refine(atMost(max), `must be at most ${max.toLocaleString('en-US')}`);
const nonNegativeInt = (max: number, message = 'must be an integer >= 0') =>
  z
    .number(expecting(message))
    .refine((n) => Number.isInteger(n) && n >= 0, message)
    .refine(atMost(max), `must be at most ${max.toLocaleString('en-US')}`);
const positiveNumber = (max: number, message = 'must be a number > 0') =>
  z
    .number(expecting(message))
    .refine((n) => n > 0, message)
    .refine(atMost(max), `must be at most ${max}`);

/** Upper bounds, generous for any tabular model this system trains. */
export const SPEC_LIMITS = {
  rows: 1e12,
  epochs: 10_000,
  batchSize: 1_048_576,
  layerWidth: 65_536,
  layers: 64,
  learningRate: 10,
  patience: 10_000,
  seed: 2 ** 32 - 1,
  vocabulary: 10_000_000,
  /** Counts of logged rows or outcomes a check waits for. */
  checkCount: 1e9,
  /** Thresholds of statistics (PSI, shifts, gaps): past this no finding could ever count. */
  statistic: 1e6,
} as const;

const column = z.string(expecting('must be a column name')).min(1, 'must be a non-empty column name');
const columns = z.array(column, expecting('must be a list of column names'));

/** A duration string such as '2 minutes' (see contracts/duration.ts). */
export const durationSchema = z
  .string(expecting('must be a duration string'))
  .refine(isDuration, "must be a positive duration like '30 seconds', '2 minutes', '1 hour' or '1 day'")
  .refine((text) => !isDuration(text) || parseDuration(text) <= MAX_DURATION_MS, 'must be at most 3650 days');

/** Pipeline (and model) name: a lowercase slug, used in workflow ids and object keys (the rule is contracts/names.ts). */
export const pipelineNameSchema = z
  .string(expecting('must be a string'))
  .superRefine((name, ctx) => {
    const problem = nameProblem(name);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Whether TextDecoder decodes `label` ('latin1', 'windows-1252'…; not 'utf-32', which it lacks). */
function isEncodingLabel(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/** The field delimiters a CSV source may name (source.delimiter); a comma unless it says otherwise. */
export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

export const sourceSchema = z.strictObject({
  /** Plain path or file:// URL, package://<npm-package>/<path>, http(s):// URL or s3://bucket/key. */
  uri: z.string(expecting('must be a URI string')).superRefine((uri, ctx) => {
    try {
      parseSourceUri(uri);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
  /** 'json': one array of objects, as most tools export ".json" (JSON Lines in a ".json" file is read too). */
  format: z.enum(['csv', 'json', 'jsonl', 'parquet']),
  /**
   * The text encoding of a CSV, JSON or JSON Lines source, as a label Node's TextDecoder knows
   * ('windows-1252', 'iso-8859-1', 'shift_jis', 'utf-16le'…); the text is decoded to UTF-8 as it
   * is read. Default: told from the bytes (UTF-8, or UTF-16 with or without a byte-order mark).
   * Not for Parquet, which holds UTF-8 by definition.
   */
  encoding: z
    .string(expecting('must be an encoding label'))
    .refine(isEncodingLabel, "must be an encoding label Node's TextDecoder knows, such as 'utf-8', 'utf-16le', 'windows-1252' or 'iso-8859-1' (UTF-32 is not read)")
    .optional(),
  /** CSV's field delimiter: ',' (the default), ';', '\t' (TSV) or '|'. */
  delimiter: z.enum(CSV_DELIMITERS).optional(),
  /** Read at most this many rows, from the start of the source. Default: all rows. */
  limit: positiveInt(SPEC_LIMITS.rows).optional(),
  /**
   * Train on a window of time only: the rows whose `column` lies within `last` of the newest row
   * (from: 'newest', the default) or of the moment the run ingests (from: 'now'). With a source
   * whose last path segment holds `*` (dated objects, e.g. s3://bucket/flights/2026-*.parquet),
   * every matching object is read and the window taken over them all.
   */
  window: z
    .strictObject({
      /** The time column: ISO 8601 text, a date or timestamp, or epoch milliseconds. */
      column,
      /** How far back, e.g. '30 days'. */
      last: durationSchema,
      from: z.enum(['newest', 'now']).default('newest'),
    })
    .optional(),
})
  .refine((source) => source.encoding === undefined || source.format !== 'parquet', {
    path: ['encoding'],
    message: 'applies to CSV, JSON and JSON Lines sources only; Parquet text is UTF-8',
  })
  .refine((source) => source.delimiter === undefined || source.format === 'csv', {
    path: ['delimiter'],
    message: 'applies to CSV sources only',
  });

/**
 * Columns holding personal data. The model server logs a keyed hash of each in their place
 * (privacy/pseudonym.ts), never the value. Each must be a column the spec names elsewhere.
 */
export const personalSchema = z.array(column, expecting('must be a list of column names'));

const COMPARATORS = ['greaterThan', 'atLeast', 'lessThan', 'atMost', 'equals'] as const;

/**
 * Derives a binary label from another column: 1 when the comparison holds, 0 when it does not,
 * no label when the source value is missing. Exactly one comparator.
 */
export const positiveWhenSchema = z
  .strictObject({
    /** The column the label is derived from, e.g. 'delay'. */
    column,
    greaterThan: z.number().optional(),
    atLeast: z.number().optional(),
    lessThan: z.number().optional(),
    atMost: z.number().optional(),
    /** Positive when the value equals this (strings compare as text, numbers numerically). */
    equals: z.union([z.string(), z.number(), z.boolean()], expecting('must be a string, number or boolean')).optional(),
  })
  .superRefine((rule, ctx) => {
    const given = COMPARATORS.filter((name) => rule[name] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `needs exactly one of ${COMPARATORS.join(', ')} (got ${given.length})` });
    }
  });

export const labelSchema = z.strictObject({
  /** The label's column; for a derived label, the name the derived value is given (e.g. 'late'). */
  column,
  /** 'binary': 0/1 or true/false (or derived with positiveWhen); 'regression': a number. */
  kind: z.enum(['binary', 'regression']),
  /** Derive a binary label from another column instead of reading `column`. */
  positiveWhen: positiveWhenSchema.optional(),
});

/** Calendar parts taken from a time column, in UTC: hour 0–23, dayOfWeek 0 (Sunday)–6, dayOfMonth 1–31, month 1–12. */
export const TIME_PARTS = ['hour', 'dayOfWeek', 'dayOfMonth', 'month'] as const;

export const featuresSchema = z.strictObject({
  /** Numeric columns: imputed, then standardised. Default []. */
  numeric: columns.default([]),
  /** Categorical columns: one-hot over a vocabulary plus an out-of-vocabulary bucket. Default []. */
  categorical: columns.default([]),
  /** Numeric features derived from a time column (ISO string, Date or epoch ms), in UTC. */
  timeParts: z
    .strictObject({
      column,
      parts: z.array(z.enum(TIME_PARTS)).min(1, 'must name at least one time part'),
    })
    .optional(),
  /** Value given to a missing number: the training split's mean or median. Default 'mean'. */
  impute: z.enum(['mean', 'median']).default('mean'),
  /** Most frequent categories kept per categorical feature; the rest share the OOV bucket. Default 1000. */
  maxVocabulary: positiveInt(SPEC_LIMITS.vocabulary).default(1000),
});

const testFraction = z
  .number(expecting('must be a fraction'))
  .refine((f) => f > 0 && f < 1, 'must be a fraction > 0 and < 1')
  .default(0.2);
const validationFraction = z
  .number(expecting('must be a fraction'))
  .refine((f) => f >= 0 && f < 1, 'must be a fraction >= 0 and < 1')
  .default(0.1);

/** Fractions are of rows. `time`: the latest rows are test, the ones before them validation. `hash`: by hashed key columns. */
export const splitSchema = z.discriminatedUnion('by', [
  z.strictObject({ by: z.literal('time'), column, test: testFraction, validation: validationFraction }),
  z.strictObject({
    by: z.literal('hash'),
    keys: z.array(column).min(1, 'must name at least one key column'),
    test: testFraction,
    validation: validationFraction,
  }),
]);

/** 'mlp': dense ReLU layers of `hidden` units (default [64, 32]) with `dropout` (default 0) after each; 'linear': no hidden layer. */
export const networkSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('mlp'),
      hidden: z
        .array(positiveInt(SPEC_LIMITS.layerWidth))
        .min(1, 'must list at least one layer width')
        .max(SPEC_LIMITS.layers, `must list at most ${SPEC_LIMITS.layers} layers`)
        .default([64, 32]),
      dropout: z
        .number(expecting('must be a fraction'))
        .refine((f) => f >= 0 && f < 1, 'must be a fraction >= 0 and < 1')
        .default(0),
    }),
    z.strictObject({ kind: z.literal('linear') }),
  ])
  .prefault({ kind: 'mlp' });

export const trainingSchema = z
  .strictObject({
    /** Passes over the training split. Default 20. */
    epochs: positiveInt(SPEC_LIMITS.epochs).default(20),
    /**
     * Rows per gradient step. Default: 512, or less for a small training split, so that an epoch
     * takes at least 32 steps (a power of two, never under 32): 512 rows at a step would train a
     * 300-row split with one step an epoch, and not at all in 20 epochs.
     */
    batchSize: positiveInt(SPEC_LIMITS.batchSize).optional(),
    /** Adam step size. Default 1e-3. */
    learningRate: positiveNumber(SPEC_LIMITS.learningRate).default(1e-3),
    /** Epochs without validation improvement before stopping; 0 turns early stopping off. Default 3. */
    earlyStopPatience: nonNegativeInt(SPEC_LIMITS.patience).default(3),
    /** Seeds weight initialisation and shuffling, so a run repeats. Default 42. */
    seed: nonNegativeInt(SPEC_LIMITS.seed).default(42),
    /** Task queue of the trainer worker. Default 'ctrain-train'. */
    taskQueue: z.string(expecting('must be a task queue name')).min(1, 'must not be empty').default(TASK_QUEUES.train),
    /**
     * How long the train step may wait for a trainer worker on that queue to take it before the
     * run fails saying so. Default '30 minutes' (a trainer busy with another model's run counts).
     */
    startWithin: durationSchema.optional(),
  })
  .prefault({});

export const BINARY_METRICS = ['auc', 'accuracy', 'f1', 'logLoss'] as const;
export const REGRESSION_METRICS = ['rmse', 'mae', 'r2'] as const;

export type Metric = (typeof BINARY_METRICS)[number] | (typeof REGRESSION_METRICS)[number];

export const evaluationSchema = z.strictObject({
  /** The blessing metric, on the test split. Binary: auc, accuracy, f1, logLoss; regression: rmse, mae, r2. */
  metric: z.enum([...BINARY_METRICS, ...REGRESSION_METRICS]),
  /**
   * The bar to bless: the minimum for higher-is-better metrics, the maximum for logLoss, rmse
   * and mae. Required: without it no model is ever blessed.
   */
  threshold: z.number({
    error: (issue) => (issue.input === undefined ? 'is required: without a threshold no model is ever blessed' : 'must be a number'),
  }),
  /** How much worse than production (in metric units) a new model may be and still be blessed. Default 0. */
  maxRegression: z
    .number(expecting('must be a number'))
    .refine((n) => n >= 0, 'must be >= 0')
    .default(0),
  /** Columns of the data to compute the metrics per value of (slices, as TensorFlow Model Analysis does), e.g. ['origin']. */
  slices: z.array(z.string().min(1, 'must not be empty'), expecting('must be a list of column names')).optional(),
  /**
   * With slices: how much worse than production (in metric units) the candidate may be on its
   * worst slice and still be blessed. Unset: slices are reported, not gated on.
   */
  maxSliceRegression: z
    .number(expecting('must be a number'))
    .refine((n) => n >= 0, 'must be >= 0')
    .optional(),
  /**
   * The trivial baseline gate: a candidate must beat, on the blessing metric, the predictor that
   * answers the training positive rate (binary) or the training mean (regression) for every row.
   * Unset: gated, margin 0.
   */
  baseline: z
    .strictObject({
      /** false: the baseline is still computed and reported, but not gated on. Default true. */
      gate: z.boolean(expecting('must be true or false')).optional(),
      /** How much better than the baseline (in metric units) the candidate must be. Default 0: strictly better. */
      margin: z
        .number(expecting('must be a number'))
        .refine((n) => n >= 0 && n <= SPEC_LIMITS.statistic, `must be >= 0 and <= ${SPEC_LIMITS.statistic}`)
        .optional(),
    })
    .optional(),
});

export const deploySchema = z
  .strictObject({
    /** Percent of live traffic the canary receives while it soaks, (0, 100]. Default 10. */
    canaryPercent: z
      .number(expecting('must be a number'))
      .refine((p) => p > 0 && p <= 100, 'must be a percentage > 0 and <= 100')
      .default(10),
    /** How long the canary serves before it is promoted or rolled back. Default '2 minutes'. */
    soak: durationSchema.default('2 minutes'),
    /** 'auto' promotes a healthy canary; 'manual' waits for an approve or reject. Default 'auto'. */
    approval: z.enum(['auto', 'manual']).default('auto'),
    /**
     * A number in a served or batch-scored row far outside what the model was trained on (a unit
     * mix-up, a sentinel such as 1e300). A numeric column's bounds are its training mean ±
     * `maxDeviations` training standard deviations, never past ±3.4e38 (float32). 'refuse': the
     * server answers 400 naming row, field and bounds, batch scoring rejects the row; 'clip': the
     * nearest bound is scored instead, and the answer says so. Unset: refuse, 1000 deviations.
     */
    outOfRange: z
      .strictObject({
        policy: z.enum(['refuse', 'clip']).default('refuse'),
        maxDeviations: positiveNumber(SPEC_LIMITS.statistic).default(1000),
      })
      .optional(),
  })
  .prefault({});

const probability = (message = 'must be a probability > 0 and < 1') => z.number(expecting(message)).refine((p) => p > 0 && p < 1, message);
const share = (message = 'must be a number > 0 and <= 1') => z.number(expecting(message)).refine((n) => n > 0 && n <= 1, message);

/**
 * Outcome drift: each check judges the outcomes that arrived since the last check, and those of
 * a rolling window, on the blessing metric, calibration and the outcome distribution against the
 * reference rows'. A shift counts when it reaches its threshold and is significant at pValue.
 */
export const outcomeDriftSchema = z
  .strictObject({
    /** The rolling window judged beside the outcomes since the last check. Default '7 days'. */
    window: durationSchema.default('7 days'),
    /** Outcomes a window needs before it is judged. Default 200. */
    minOutcomes: positiveInt(SPEC_LIMITS.checkCount).default(200),
    /** Binary: distance of the observed positive rate from the reference's that counts. Default 0.05. */
    rateShift: positiveNumber(SPEC_LIMITS.statistic).default(0.05),
    /** Binary: distance of the observed positive rate from the mean prediction that counts. Default 0.05. */
    calibrationGap: positiveNumber(SPEC_LIMITS.statistic).default(0.05),
    /** Binary: expected calibration error above which a window drifts. Default: reported, not judged. */
    ece: positiveNumber(SPEC_LIMITS.statistic).optional(),
    /** Regression: shift of the label mean, and bias of the residuals, in reference standard deviations, that counts. Default 0.25. */
    meanShift: positiveNumber(SPEC_LIMITS.statistic).default(0.25),
    /** A shift must also be significant: its two-sided p-value below this. Default 0.001. */
    pValue: probability().default(0.001),
  })
  .prefault({});

/** The statistics that may decide whether a feature drifted; each is reported either way. */
export const DRIFT_STATISTICS = ['psi', 'ks', 'chiSquare', 'jensenShannon'] as const;


export const driftSchema = z
  .strictObject({
    /** How often the drift check runs. Default '5 minutes'. */
    check: durationSchema.default('5 minutes'),
    /** Population stability index above which a feature counts as drifted. Default 0.2. */
    psi: positiveNumber(SPEC_LIMITS.statistic).default(0.2),
    /**
     * Which statistics decide that a feature (or the scores) drifted. Default ['psi']. KS and
     * chi-square decide only with an effect-size guard: on a large window a p-value alone flags
     * differences too small to matter.
     */
    decideBy: z
      .array(z.enum(DRIFT_STATISTICS))
      .min(1, 'must name at least one statistic')
      .refine((names) => new Set(names).size === names.length, 'must not name a statistic twice')
      .default(['psi']),
    /** Kolmogorov–Smirnov, numeric features and scores: drifted when p < pValue and the statistic D >= minStatistic. */
    ks: z.strictObject({ pValue: probability().default(0.001), minStatistic: share().default(0.1) }).prefault({}),
    /** Chi-square, categorical features: drifted when p < pValue and Cohen's w = sqrt(chi2 / rows) >= minEffect. */
    chiSquare: z.strictObject({ pValue: probability().default(0.001), minEffect: positiveNumber(SPEC_LIMITS.statistic).default(0.1) }).prefault({}),
    /** Jensen–Shannon divergence (bits), categorical features: drifted above this. Default 0.1. */
    jensenShannon: share().default(0.1),
    /** Logged rows needed before drift is judged. Default 500. */
    minRows: positiveInt(SPEC_LIMITS.checkCount).default(500),
    /** Least time between two drift-triggered retrainings. Default '30 minutes'. */
    cooldown: durationSchema.default('30 minutes'),
    /** Automatic signals arriving within this window of the first are folded into one run. Default '10 seconds'. */
    debounce: durationSchema.default('10 seconds'),
    /** Retrain on a schedule too, this often, drift or not. Default: never. */
    retrainEvery: durationSchema.optional(),
    outcomes: outcomeDriftSchema,
  })
  .prefault({});
