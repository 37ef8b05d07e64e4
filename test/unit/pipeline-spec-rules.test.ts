import { describe, expect, it } from 'vitest';
import type { PipelineSpecInput } from '../../contracts/pipeline-spec.js';
import { definePipeline } from '../../contracts/pipeline-spec.js';
import { parsePipelineSpec, PipelineSpecError } from '../../pipelines/index.js';

/** The cross-section rules at their boundaries: each case breaks (or just keeps) one rule. */

const regression = definePipeline({
  name: 'toy',
  source: { uri: 'package://vega-datasets/data/seattle-weather.csv', format: 'csv' },
  label: { column: 'temp_max', kind: 'regression' },
  features: { numeric: ['temp_min', 'wind'], categorical: ['weather'], timeParts: { column: 'day', parts: ['month'] } },
  split: { by: 'time', column: 'date' },
  evaluation: { metric: 'rmse', threshold: 4 },
});

const binary = definePipeline({
  ...regression,
  label: { column: 'late', kind: 'binary', positiveWhen: { column: 'delay', greaterThan: 15 } },
  evaluation: { metric: 'auc', threshold: 0.7 },
});

function problems(spec: PipelineSpecInput): string[] {
  try {
    parsePipelineSpec(spec);
    return [];
  } catch (error) {
    if (!(error instanceof PipelineSpecError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

const evaluation = (base: PipelineSpecInput, metric: string, threshold: number): PipelineSpecInput => ({ ...base, evaluation: { metric, threshold } } as PipelineSpecInput);

describe('the blessing threshold', () => {
  it.each(['auc', 'accuracy', 'f1'])('for %s lies in [0, 1], both ends included', (metric) => {
    expect(problems(evaluation(binary, metric, 0))).toEqual([]);
    expect(problems(evaluation(binary, metric, 1))).toEqual([]);
    expect(problems(evaluation(binary, metric, -0.01))).toEqual([`evaluation.threshold: must lie in [0, 1] for ${metric}`]);
    expect(problems(evaluation(binary, metric, 1.01))).toEqual([`evaluation.threshold: must lie in [0, 1] for ${metric}`]);
  });

  it('for logLoss is not bounded by 1, but must be above 0', () => {
    expect(problems(evaluation(binary, 'logLoss', 1.5))).toEqual([]);
    expect(problems(evaluation(binary, 'logLoss', 0))).toEqual(['evaluation.threshold: must be > 0: it is the highest logLoss still blessed']);
  });

  it('for rmse and mae is above 0, any size', () => {
    expect(problems(evaluation(regression, 'rmse', 0.001))).toEqual([]);
    expect(problems(evaluation(regression, 'mae', 40))).toEqual([]);
    expect(problems(evaluation(regression, 'rmse', 0))).toEqual(['evaluation.threshold: must be > 0: it is the highest rmse still blessed']);
  });

  it('for r2 is at most 1, and may be negative', () => {
    expect(problems(evaluation(regression, 'r2', 1))).toEqual([]);
    expect(problems(evaluation(regression, 'r2', -2))).toEqual([]);
    expect(problems(evaluation(regression, 'r2', 1.01))).toEqual(['evaluation.threshold: must be <= 1 for r2']);
  });
});

describe('the split', () => {
  it('by time may not be on the label column or the label’s source', () => {
    expect(problems({ ...regression, split: { by: 'time', column: 'temp_max' } })).toEqual(['split.column: "temp_max" is the label']);
    expect(problems({ ...binary, split: { by: 'time', column: 'delay' } })).toEqual(['split.column: "delay" is the label']);
  });

  it('by hash may not key on the label', () => {
    expect(problems({ ...regression, split: { by: 'hash', keys: ['station', 'temp_max'] } })).toEqual(['split.keys[1]: "temp_max" is the label']);
  });
});

describe('early stopping', () => {
  it('needs a validation split, but without it is fine', () => {
    expect(problems({ ...regression, split: { by: 'time', column: 'date', validation: 0 }, training: { earlyStopPatience: 1 } })).toEqual([
      'training.earlyStopPatience: early stopping needs a validation split: set split.validation > 0, or earlyStopPatience to 0',
    ]);
    expect(problems({ ...regression, split: { by: 'time', column: 'date', validation: 0 }, training: { earlyStopPatience: 0 } })).toEqual([]);
  });
});

describe('personal columns', () => {
  it('may not be the time-parts column or the label’s source', () => {
    expect(problems({ ...binary, personal: ['day', 'delay', 'late'] })).toEqual([
      'personal[0]: "day" is the time-parts column: its hash is no time; personal columns are logged as a keyed hash',
      "personal[1]: \"delay\" is the label's source: a hashed label cannot be trained on; personal columns are logged as a keyed hash",
      'personal[2]: "late" is the label: a hashed label cannot be trained on; personal columns are logged as a keyed hash',
    ]);
  });

  it('are judged against the features even when the label section is broken', () => {
    const broken = { ...regression, label: { column: 'temp_max', kind: 'nonsense' }, personal: ['temp_min', 'weather'] } as unknown as PipelineSpecInput;
    const found = problems(broken);
    expect(found).toContain('personal[0]: "temp_min" is a numeric feature: its hash has no order or scale to train on; personal columns are logged as a keyed hash');
    expect(found.filter((p) => p.startsWith('personal'))).toHaveLength(1);
  });

  it('are judged against the label even when the features section is broken', () => {
    const broken = { ...regression, features: 'nonsense', personal: ['temp_max', 'unknown'] } as unknown as PipelineSpecInput;
    const found = problems(broken).filter((p) => p.startsWith('personal'));
    expect(found).toEqual(['personal[0]: "temp_max" is the label: a hashed label cannot be trained on; personal columns are logged as a keyed hash']);
  });
});
