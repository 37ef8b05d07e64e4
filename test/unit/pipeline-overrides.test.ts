import { describe, expect, it } from 'vitest';
import { overrideProblems } from '../../contracts/pipeline-overrides.js';
import { aliasRequestProblem, pauseRequestProblem, retrainRequestProblem } from '../../contracts/model-requests.js';
import { loadPipeline, PipelineSpecError } from '../../pipelines/index.js';

const problemsOf = (overrides: unknown) => overrideProblems(overrides).map((problem) => `${problem.path}: ${problem.message}`);
const specProblems = (overrides: unknown): string[] => {
  try {
    loadPipeline('seattle-temperature', overrides as never);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineSpecError);
    return (error as PipelineSpecError).problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
};

describe("a run's overrides", () => {
  it('may change what the model is, not where it runs, and nothing that is no field', () => {
    expect(problemsOf({ source: { limit: 400 }, training: { epochs: 3, seed: 7 }, evaluation: { threshold: 0.5 }, deploy: { soak: '1 second' } })).toEqual([]);
    expect(problemsOf({ training: { taskQueue: 'nobody-polls-this' } })).toEqual(['overrides.training.taskQueue: decides where the work runs: set it in the spec, not per run']);
    expect(problemsOf({ training: { startWithin: '1 day' } })).toEqual(['overrides.training.startWithin: decides where the work runs: set it in the spec, not per run']);
    expect(problemsOf(JSON.parse('{"__proto__": {"polluted": true}}'))).toEqual(['overrides.__proto__: is not a section a run may override (source, training, evaluation, deploy)']);
    expect(problemsOf(JSON.parse('{"training": {"constructor": 1, "epoch": 3}}'))).toEqual([
      'overrides.training.constructor: is not a field of the spec (misspelt?)',
      'overrides.training.epoch: is not a field of the spec (misspelt?)',
    ]);
    expect(problemsOf({ label: { column: 'x' } })).toEqual(['overrides.label: is not a section a run may override (source, training, evaluation, deploy)']);
    expect(problemsOf([{ training: {} }])).toEqual(['overrides: must be an object of spec sections, e.g. {"training":{"epochs":5}}']);
    expect(problemsOf({ training: 5 })).toEqual(['overrides.training: must be an object of fields']);
  });

  it('are refused by the spec loader, with every problem, before anything is merged', () => {
    expect(specProblems({ training: { taskQueue: 'x' }, deploy: { approval: 'auto', nope: 1 } })).toEqual([
      'overrides.training.taskQueue: decides where the work runs: set it in the spec, not per run',
      'overrides.deploy.nope: is not a field of the spec (misspelt?)',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('hold every number and duration to an upper bound', () => {
    expect(specProblems({ training: { epochs: 1e12 } })).toEqual(['training.epochs: must be at most 10,000']);
    expect(specProblems({ training: { batchSize: 2 ** 30, learningRate: 1e9, seed: 2 ** 40 } })).toEqual([
      'training.batchSize: must be at most 1,048,576',
      'training.learningRate: must be at most 10',
      'training.seed: must be at most 4,294,967,295',
    ]);
    expect(specProblems({ source: { limit: 1e15 } })).toEqual(['source.limit: must be at most 1,000,000,000,000']);
    expect(specProblems({ deploy: { soak: '100000 days' } })).toEqual(['deploy.soak: must be at most 3650 days']);
    expect(specProblems({ evaluation: { threshold: Infinity } })).toEqual(['evaluation.threshold: must be a number']);
    expect(specProblems({ training: { epochs: 10_000 } })).toEqual([]);
  });
});

describe('a retraining request, from any sender', () => {
  it('is an object with a reason and a known source; anything else is named', () => {
    expect(retrainRequestProblem({ reason: 'fresh data', source: 'cli', overrides: { training: { epochs: 3 } } })).toBeUndefined();
    expect(retrainRequestProblem(5)).toMatch(/^not a retraining request: \(request\): /);
    expect(retrainRequestProblem({ reason: 'x' })).toMatch(/source: /);
    expect(retrainRequestProblem({ reason: '  ', source: 'cli' })).toBe('not a retraining request: reason: must say why');
    expect(retrainRequestProblem({ reason: 'x', source: 'cli', force: true })).toMatch(/Unrecognized key: "force"/);
    expect(retrainRequestProblem({ reason: 'x', source: 'cli', overrides: { training: { taskQueue: 'q' } } })).toBe(
      'not a retraining request: overrides.training.taskQueue: decides where the work runs: set it in the spec, not per run',
    );
    expect(retrainRequestProblem({ reason: 'x', source: 'cli', resumeOf: '../other-model/run' })).toMatch(/resumeOf "\.\.\/other-model\/run" must be one key component/);
  });
});

describe('alias and pause requests', () => {
  it('take a whole version, short texts and a boolean, and nothing else', () => {
    expect(aliasRequestProblem({ version: 3, reason: 'better on May', by: 'ana' })).toBeUndefined();
    expect(aliasRequestProblem(undefined)).toBeUndefined();
    expect(aliasRequestProblem({ version: '3' })).toMatch(/^not a valid request: version: /);
    expect(aliasRequestProblem({ version: 2.5 })).toBe('not a valid request: version: must be a whole version number');
    expect(aliasRequestProblem({ by: 'x'.repeat(10_000) })).toBe('not a valid request: by: must be at most 200 characters');
    expect(pauseRequestProblem({ paused: true })).toBeUndefined();
    expect(pauseRequestProblem({ paused: 'yes' })).toMatch(/^not a valid request: paused: /);
    expect(pauseRequestProblem(undefined)).toMatch(/^not a valid request: \(request\): /);
  });
});
