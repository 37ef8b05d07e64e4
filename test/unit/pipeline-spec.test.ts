import { describe, it, expect } from 'vitest';
import { definePipeline } from '../../contracts/pipeline-spec.js';
import { isLowerBetter } from '../../contracts/metric-direction.js';
import { parseDuration } from '../../contracts/duration.js';
import { parseSourceUri } from '../../contracts/source-uri.js';
import { PipelineSpecError, UnknownPipelineError, loadPipeline, parsePipelineSpec, pipelineNames, specHash } from '../../pipelines/index.js';

/** A small valid spec; each test breaks one thing in a copy. */
const base = definePipeline({
  name: 'toy',
  source: { uri: 'package://vega-datasets/data/seattle-weather.csv', format: 'csv' },
  label: { column: 'temp_max', kind: 'regression' },
  features: { numeric: ['temp_min', 'wind'], categorical: ['weather'] },
  split: { by: 'time', column: 'date' },
  evaluation: { metric: 'rmse', threshold: 4 },
});

type Patch = { [key: string]: unknown };

/** The base spec with a patch merged in: objects merge, anything else replaces, undefined deletes. */
function withChanges(patch: Patch, target: Patch = structuredClone(base)): Patch {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (value === undefined) delete target[key];
    else if (isPlainObject(value) && isPlainObject(current)) withChanges(value, current);
    else target[key] = value;
  }
  return target;
}

function isPlainObject(value: unknown): value is Patch {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problemsOf(input: unknown): string[] {
  try {
    parsePipelineSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineSpecError);
    return (error as PipelineSpecError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the spec to be rejected');
}

describe('shipped pipelines', () => {
  it('lists flight-delay and seattle-temperature', () => {
    expect(pipelineNames()).toEqual(['flight-delay', 'seattle-live', 'seattle-temperature']);
  });

  it.each(['flight-delay', 'seattle-temperature'])('%s validates and fills in defaults', (name) => {
    const spec = loadPipeline(name);
    expect(spec.name).toBe(name);
    expect(spec.training.taskQueue).toBe('ctrain-train');
    expect(spec.features.impute).toBe('mean');
    expect(parseSourceUri(spec.source.uri).kind).toBe('package');
  });

  it('flight-delay derives late = delay > 15 and trains on a slice', () => {
    const spec = loadPipeline('flight-delay');
    expect(spec.label).toEqual({ column: 'late', kind: 'binary', positiveWhen: { column: 'delay', greaterThan: 15 } });
    expect(spec.source.limit).toBeLessThanOrEqual(200_000);
    expect(spec.split).toMatchObject({ by: 'time', column: 'date' });
  });

  it('names the known pipelines when asked for an unknown one', () => {
    expect(() => loadPipeline('nope')).toThrow(UnknownPipelineError);
    expect(() => loadPipeline('nope')).toThrow('unknown pipeline "nope"; shipped pipelines: flight-delay, seattle-live, seattle-temperature. A pipeline of your own runs from its file');
  });
});

describe('defaults', () => {
  it('fills every documented default', () => {
    const spec = parsePipelineSpec(base);
    expect(spec.split).toEqual({ by: 'time', column: 'date', test: 0.2, validation: 0.1 });
    expect(spec.network).toEqual({ kind: 'mlp', hidden: [64, 32], dropout: 0 });
    // The batch size is chosen by the trainer for the training split's size (defaultBatchSize).
    expect(spec.training).toEqual({ epochs: 20, learningRate: 1e-3, earlyStopPatience: 3, seed: 42, taskQueue: 'ctrain-train' });
    expect(spec.evaluation).toEqual({ metric: 'rmse', threshold: 4, maxRegression: 0 });
    expect(spec.deploy).toEqual({ canaryPercent: 10, soak: '2 minutes', approval: 'auto' });
    expect(spec.drift).toEqual({
      check: '5 minutes',
      psi: 0.2,
      decideBy: ['psi'],
      ks: { pValue: 0.001, minStatistic: 0.1 },
      chiSquare: { pValue: 0.001, minEffect: 0.1 },
      jensenShannon: 0.1,
      minRows: 500,
      cooldown: '30 minutes',
      debounce: '10 seconds',
      outcomes: { window: '7 days', minOutcomes: 200, rateShift: 0.05, calibrationGap: 0.05, meanShift: 0.25, pValue: 0.001 },
    });
    expect(spec.features).toMatchObject({ impute: 'mean', maxVocabulary: 1000 });
  });

  it('knows which metrics are better when lower', () => {
    expect(['auc', 'accuracy', 'f1', 'logLoss', 'rmse', 'mae', 'r2'].filter((m) => isLowerBetter(m as never))).toEqual(['logLoss', 'rmse', 'mae']);
  });
});

describe('specHash', () => {
  it('is the same whatever the key order', () => {
    const spec = parsePipelineSpec(base);
    const reordered = Object.fromEntries(
      Object.entries(spec)
        .reverse()
        .map(([key, value]) => [key, typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value]),
    ) as typeof spec;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(spec));
    expect(specHash(reordered)).toBe(specHash(spec));
    expect(specHash(spec)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same with a default written out or left out, and changes with any value', () => {
    const spec = parsePipelineSpec(base);
    const explicit = parsePipelineSpec(withChanges({ training: { epochs: 20 } }));
    expect(specHash(explicit)).toBe(specHash(spec));
    const changed = parsePipelineSpec(withChanges({ training: { epochs: 21 } }));
    expect(specHash(changed)).not.toBe(specHash(spec));
  });
});

describe('a bad spec', () => {
  it('reports every problem in one error, each with its path', () => {
    const bad = withChanges({
      features: { numeric: ['temp_min', 'temp_max'] },
      training: { epochs: 0, batchSize: 2.5 },
      source: { format: 'xlsx' },
      deploy: { soak: 'two minutes' },
      evaluation: { metric: 'auc', threshold: 0.7 },
      extra: true,
    });
    let message = '';
    try {
      parsePipelineSpec(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')[0]).toBe('toy: spec is invalid:');
    for (const line of [
      '  - training.epochs: must be a positive integer',
      '  - training.batchSize: must be a positive integer',
      '  - source.format: must be one of "csv", "json", "jsonl", "parquet"',
      "  - deploy.soak: must be a positive duration like '30 seconds', '2 minutes', '1 hour' or '1 day'",
      '  - features.numeric[1]: "temp_max" is also the label',
      '  - evaluation.metric: "auc" does not fit a regression label; use one of rmse, mae, r2',
      '  - extra: is not a field of the spec (misspelt?)',
    ]) {
      expect(message).toContain(line);
    }
  });

  it('says a missing section is required and a non-object is not a spec', () => {
    expect(problemsOf({ name: 'x' })).toEqual(expect.arrayContaining(['source: is required', 'label: is required', 'evaluation: is required']));
    expect(() => parsePipelineSpec('flight-delay')).toThrow('pipeline spec: spec is invalid:\n  - (spec): must be an object');
  });
});

describe('cross-field rules', () => {
  const cases: [string, Patch, string][] = [
    ['the label is not a feature', { features: { categorical: ['weather', 'temp_max'] } }, 'features.categorical[1]: "temp_max" is also the label'],
    [
      "a derived label's source is not a feature",
      { label: { column: 'windy', kind: 'binary', positiveWhen: { column: 'wind', greaterThan: 5 } }, evaluation: { metric: 'auc', threshold: 0.6 } },
      'features.numeric[1]: "wind" is the label\'s source (label.positiveWhen.column), so it would leak the label',
    ],
    ['no column is listed twice', { features: { categorical: ['weather', 'wind'] } }, 'features.categorical[1]: "wind" is already listed at features.numeric[1]'],
    ['a time column is not also a plain feature', { features: { timeParts: { column: 'wind', parts: ['month'] } } }, 'features.timeParts.column: "wind" is already listed at features.numeric[1]'],
    ['a time part appears once', { features: { timeParts: { column: 'date', parts: ['month', 'month'] } } }, 'features.timeParts.parts[1]: "month" is listed twice'],
    ['there is at least one feature', { features: { numeric: [], categorical: [] } }, 'features: must list at least one numeric, categorical or time-part feature'],
    ['the metric fits a binary label', { label: { kind: 'binary' } }, 'evaluation.metric: "rmse" does not fit a binary label; use one of auc, accuracy, f1, logLoss'],
    ['positiveWhen needs a binary label', { label: { positiveWhen: { column: 'precipitation', atLeast: 3 } } }, 'label.positiveWhen: derives a binary label, but label.kind is "regression"'],
    ['positiveWhen has one comparator', { label: { kind: 'binary', positiveWhen: { column: 'precipitation' } } }, 'label.positiveWhen: needs exactly one of greaterThan, atLeast, lessThan, atMost, equals (got 0)'],
    ['split fractions leave training rows', { split: { test: 0.5, validation: 0.5 } }, 'split: test (0.5) + validation (0.5) must be < 1 so rows are left to train on'],
    ['the split is not by the label', { split: { by: 'hash', column: undefined, keys: ['temp_max'] } }, 'split.keys[0]: "temp_max" is the label'],
    ['an evaluation threshold is present', { evaluation: { threshold: undefined } }, 'evaluation.threshold: is required: without a threshold no model is ever blessed'],
    ['the threshold is in the metric range', { evaluation: { threshold: -1 } }, 'evaluation.threshold: must be > 0: it is the highest rmse still blessed'],
    ['early stopping has a validation split', { split: { validation: 0 } }, 'training.earlyStopPatience: early stopping needs a validation split: set split.validation > 0, or earlyStopPatience to 0'],
  ];

  it.each(cases)('%s', (_rule, change, problem) => {
    expect(problemsOf(withChanges(change))).toContain(problem);
  });

  it('run even when other sections are malformed', () => {
    const problems = problemsOf(
      withChanges({ features: { numeric: ['temp_min', 'temp_max', 42] }, training: { epochs: -1 } }),
    );
    expect(problems).toEqual(expect.arrayContaining(['features.numeric[2]: must be a column name', 'features.numeric[1]: "temp_max" is also the label', 'training.epochs: must be a positive integer']));
  });
});

describe('field formats', () => {
  it('accepts each source URI form and rejects others', () => {
    expect(parseSourceUri('package://@scope/pkg/data/a.csv')).toEqual({ kind: 'package', packageName: '@scope/pkg', path: 'data/a.csv' });
    expect(parseSourceUri('file:///data/my%20flights.parquet')).toEqual({ kind: 'file', path: '/data/my flights.parquet' });
    expect(parseSourceUri('s3://ctrain-datasets/a/b.csv')).toEqual({ kind: 's3', bucket: 'ctrain-datasets', key: 'a/b.csv' });
    expect(parseSourceUri('https://example.org/a.csv')).toEqual({ kind: 'http', url: 'https://example.org/a.csv' });
    expect(parseSourceUri('data/a.csv')).toEqual({ kind: 'file', path: 'data/a.csv' });
    for (const bad of ['ftp://host/a.csv', 'package://vega-datasets', 'package://vega-datasets/../x', 's3://bucket-only', 'file://remote-host/a.csv']) {
      expect(problemsOf(withChanges({ source: { uri: bad } }))[0]).toMatch(/^source\.uri: "/);
    }
  });

  it('validates durations and names', () => {
    expect(parseDuration('2 minutes')).toBe(120_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    for (const bad of ['2', 'two minutes', '0 seconds', '-1 minute', '5 fortnights']) expect(() => parseDuration(bad)).toThrow(bad);
    expect(problemsOf(withChanges({ name: 'Flight_Delay' }))).toEqual(['name: must be a lowercase slug like "flight-delay" (a-z, 0-9, single hyphens)']);
  });

  it('takes the baseline gate off or sets its margin, and refuses a negative margin or an unknown field', () => {
    expect(parsePipelineSpec(withChanges({ evaluation: { baseline: { gate: false } } })).evaluation.baseline).toEqual({ gate: false });
    expect(parsePipelineSpec(withChanges({ evaluation: { baseline: { margin: 0.5 } } })).evaluation.baseline).toEqual({ margin: 0.5 });
    // Unset, the spec hash stays what it was before the gate existed.
    expect(parsePipelineSpec(base).evaluation.baseline).toBeUndefined();
    expect(problemsOf(withChanges({ evaluation: { baseline: { margin: -1 } } }))).toEqual(['evaluation.baseline.margin: must be >= 0 and <= 1000000']);
    expect(problemsOf(withChanges({ evaluation: { baseline: { gate: 'no' } } }))).toEqual(['evaluation.baseline.gate: must be true or false']);
    expect(problemsOf(withChanges({ evaluation: { baseline: { off: true } } }))).toEqual(['evaluation.baseline.off: is not a field of the spec (misspelt?)']);
  });

  it('rejects hidden layers on a linear model', () => {
    expect(problemsOf(withChanges({ network: { kind: 'linear', hidden: [8] } }))).toEqual(['network.hidden: is not a field of the spec (misspelt?)']);
    expect(parsePipelineSpec(withChanges({ network: { kind: 'linear' } })).network).toEqual({ kind: 'linear' });
  });
});

describe('personal-data columns', () => {
  it('accepts categorical features and hash-split keys, and leaves the spec hash alone when absent', () => {
    const spec = parsePipelineSpec(withChanges({ personal: ['weather', 'station'], split: { by: 'hash', keys: ['station'], column: undefined } }));
    expect(spec.personal).toEqual(['weather', 'station']);
    expect(specHash(parsePipelineSpec(base))).toBe(specHash(parsePipelineSpec(structuredClone(base))));
    expect(parsePipelineSpec(base).personal).toBeUndefined();
  });

  it('refuses columns the spec does not name, columns a hash would break, and repeats, naming each', () => {
    expect(problemsOf(withChanges({ personal: ['email', 'temp_min', 'temp_max', 'date', 'weather', 'weather', 7] }))).toEqual([
      'personal[6]: must be a column name',
      'personal[0]: "email" is not a categorical feature or hash-split key of this spec',
      'personal[1]: "temp_min" is a numeric feature: its hash has no order or scale to train on; personal columns are logged as a keyed hash',
      'personal[2]: "temp_max" is the label: a hashed label cannot be trained on; personal columns are logged as a keyed hash',
      'personal[3]: "date" is the time-split column: its hash has no order; personal columns are logged as a keyed hash',
      'personal[5]: "weather" is listed twice',
    ]);
  });
});
