import { describe, expect, it } from 'vitest';
import { planSignals } from '../../alerts/plan.js';
import { InvalidNameError, checkKeySegment, checkName, nameProblem } from '../../contracts/names.js';
import { datasetKeys, logKeys, pipelineKeys, runKeys } from '../../storage/layout.js';

/** Names that would leave a key's prefix, or are no slug: each must be refused. */
const HOSTILE = ['../x', '..', 'a/b', '%2e%2e', '', 'a'.repeat(64), 'Flight-Delay', 'flight\0delay', 'flight_delay', '-x', 'x-', 'a--b', ' x', '1abc', 'x.y', 'a\\b'];

describe('the model and dataset name rule', () => {
  it('accepts lowercase slugs up to 63 characters', () => {
    for (const name of ['flight-delay', 'seattle-temperature', 'a', 'm2', `a${'b'.repeat(62)}`, 'serving-test-0b7c1d2e-3f40-4a5b-8c9d-0e1f2a3b4c5d']) {
      expect(nameProblem(name), name).toBeUndefined();
      expect(checkName(name)).toBe(name);
    }
  });

  it('refuses traversal, separators, encodings, empty, overlong, uppercase and NUL, naming the name and the rule', () => {
    for (const name of HOSTILE) {
      expect(nameProblem(name), JSON.stringify(name)).toBeDefined();
      expect(() => checkName(name, 'model name'), JSON.stringify(name)).toThrow(InvalidNameError);
    }
    expect(() => checkName('../x')).toThrow('model name "../x" must be a lowercase slug like "flight-delay" (a-z, 0-9, single hyphens)');
    expect(() => checkName('a'.repeat(64), 'pipeline name')).toThrow(/^pipeline name "a{64}" must be at most 63 characters$/);
    expect(() => checkName('', 'dataset name')).toThrow('dataset name "" must not be empty');
    expect(() => checkName('x\0y')).toThrow('model name "x\\u0000y" must be a lowercase slug');
    expect(nameProblem(42)).toBe('must be a string');
  });

  it('guards every key builder that takes a name or an id from outside', () => {
    for (const name of HOSTILE) {
      expect(() => pipelineKeys.referenceSchema(name), name).toThrow(InvalidNameError);
      expect(() => datasetKeys.dvcFile(name, '0123456789abcdef0123456789abcdef'), name).toThrow(InvalidNameError);
      expect(() => logKeys.batch(name, 'predictions', '2024-05-01', new Date(), 'a1b2c3d4'), name).toThrow(InvalidNameError);
    }
    expect(pipelineKeys.referenceSchema('flight-delay').key).toBe('pipelines/flight-delay/reference-schema.json');
    expect(datasetKeys.dvcFile('flight-delay', '0123456789abcdef0123456789abcdef').key).toBe('meta/flight-delay/0123456789abcdef0123456789abcdef.dvc');
    expect(logKeys.batch('flight-delay', 'outcomes', '2024-05-01', new Date(), 'a1b2c3d4').key).toMatch(/^flight-delay\/outcomes\/2024-05-01\/[0-9TZ]+-[0-9a-f]{8}\.jsonl$/);

    for (const id of ['../other', 'a/b', '..', '', '.hidden', 'x\0']) expect(() => checkKeySegment(id, 'run id'), id).toThrow(InvalidNameError);
    expect(() => runKeys.step('../../steps/train', 'train')).toThrow(/^run id "..\/..\/steps\/train" must be one key component/);
    expect(() => datasetKeys.dvcFile('flight-delay', '../x')).toThrow(/dataset version/);
    expect(runKeys.step('flight-delay.train.20240501T100000000Z', 'train').key).toBe('runs/flight-delay.train.20240501T100000000Z/train.json');
  });

  it('answers an alert whose model label is no valid name as invalid-model, and signals nothing for it', () => {
    const alert = (modelName: string) => ({ name: 'Drift', firing: true, modelName, reason: 'Drift', evidence: {} });
    const { outcomes, signals } = planSignals([alert('../registry'), alert('flight-delay'), alert('A/B')], () => true);
    expect(signals.map((signal) => signal.modelName)).toEqual(['flight-delay']);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['invalid-model', 'signalled', 'invalid-model']);
    expect(outcomes[0]).toEqual({ alert: 'Drift', model: '../registry', outcome: 'invalid-model', error: 'model label "../registry" must be a lowercase slug like "flight-delay" (a-z, 0-9, single hyphens)' });
  });
});
