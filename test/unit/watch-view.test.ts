import { describe, expect, it } from 'vitest';
import type { ModelVersion, RunRecord } from '../../contracts/model.js';
import type { EvaluateManifest, FeatureManifest, IngestManifest, TrainManifest, ValidateManifest } from '../../contracts/pipeline-run.js';
import type { RunSnapshot, StepView } from '../../cli/watch-view.js';
import { changedSteps, progressBar, renderHeader, renderStep, runOutcome, stepViews } from '../../cli/watch-view.js';

const RUN = 'churn.train.20261201T120000000Z';
const base = { cacheKey: 'k', contentHash: 'h', finishedAt: '2026-12-01T12:00:01.000Z', cached: false };
const ingest = { ...base, step: 'ingest', datasetVersion: 'abcdef0123456789', rows: 300, bytes: 9000, reusedVersion: false } as IngestManifest;
const validate = { ...base, step: 'validate', warnings: 0, inferredReference: true, cached: true, reusedBy: 'cache' } as ValidateManifest;
const feature = { ...base, step: 'feature', width: 5, splits: { train: { rows: 210 }, validation: { rows: 30 }, test: { rows: 60 } } } as FeatureManifest;
const train = { ...base, step: 'train', epochsRun: 8, bestEpoch: 6, loss: 0.41234, valLoss: 0.45678, backend: 'cpu' } as TrainManifest;
const ref = { bucket: 'ctrain-artifacts', key: 'k' };
const evaluate = { ...base, step: 'evaluate', metrics: { auc: 0.912345 }, blessed: true, reason: 'Blessed: candidate auc 0.9123 meets the minimum 0.', evaluation: ref, driftReference: ref } as EvaluateManifest;
const manifests = { ingest, validate, feature, train, evaluate };

const version = (number: number, runId = RUN, extra: Partial<ModelVersion> = {}): ModelVersion => ({ version: number, runId, blessed: true, blessingReason: 'auc 0.9123 >= 0', ...extra }) as ModelVersion;
const record = (status: RunRecord['status'], extra: Partial<RunRecord> = {}): RunRecord => ({ runId: RUN, status, requests: [], ...extra });
const model = (run: RunRecord | undefined, extra: Partial<NonNullable<RunSnapshot['modelView']>> = {}): RunSnapshot['modelView'] => ({ name: 'churn', run, aliases: {}, history: [], ...extra });

/** Step name -> state, the shape most assertions compare. */
const states = (views: StepView[]): Record<string, string> => Object.fromEntries(views.map((view) => [view.step, view.state]));

describe('watch: a snapshot of a run as step states', () => {
  it('a run in training: finished steps with their figures, training at its epoch of the total with its losses, the rest pending', () => {
    const snapshot: RunSnapshot = {
      runId: RUN,
      status: 'RUNNING',
      manifests: { ingest, validate, feature },
      pending: [{ activity: 'train', attempt: 1, heartbeat: { epoch: 3, loss: 0.5, valLoss: 0.61234 } }],
      epochs: 10,
      modelView: model(record('running')),
    };

    const views = stepViews(snapshot);

    expect(states(views)).toEqual({ ingest: 'done', validate: 'reused', feature: 'done', train: 'running', evaluate: 'pending', register: 'pending', deploy: 'pending' });
    expect(views.map(renderStep)).toEqual([
      'ingest    done     300 rows, dataset abcdef012345',
      'validate  reused   from cache: 0 warnings, reference schema inferred',
      'feature   done     5 features; 210/30/60 train/validation/test rows',
      'train     running  [######--------------] epoch 3/10 loss 0.5 val_loss 0.6123',
      'evaluate  pending',
      'register  pending',
      'deploy    pending',
    ]);
    expect(views[3]).toEqual({ step: 'train', state: 'running', epoch: 3, epochs: 10, loss: 0.5, valLoss: 0.61234, detail: 'epoch 3/10 loss 0.5 val_loss 0.6123' });
    expect(runOutcome(snapshot)).toEqual({ final: false });
    expect(renderHeader(snapshot)).toBe(`${RUN} (model churn): running`);
  });

  it('a step waiting for its retry says which attempt and why the last one failed; a resumed training says from where', () => {
    const views = stepViews({
      runId: RUN,
      status: 'RUNNING',
      manifests: {},
      pending: [{ activity: 'ingest', attempt: 3, heartbeat: { rows: 12000 }, lastFailure: 'connect ECONNREFUSED 127.0.0.1:9000' }],
    });
    expect(renderStep(views[0]!)).toBe('ingest    running  12000 rows read; attempt 3, last: connect ECONNREFUSED 127.0.0.1:9000');
    expect(views[0]!.attempt).toBe(3);

    const resumed = stepViews({ runId: RUN, status: 'RUNNING', manifests: { ingest, validate, feature }, pending: [{ activity: 'train', attempt: 2, heartbeat: { epoch: 5, resumedFromEpoch: 4 } }] });
    expect(renderStep(resumed[3]!)).toBe('train     running  epoch 5; resumed from epoch 4; attempt 2');
  });

  it('a failed step fails the run: what came after it is skipped, register and deploy too, and the outcome names step and message', () => {
    const snapshot: RunSnapshot = {
      runId: RUN,
      status: 'FAILED',
      manifests: { ingest },
      pending: [],
      failure: { activity: 'validate', message: 'Label column "y" is not in this dataset' },
      modelView: model(record('running')),
    };

    const views = stepViews(snapshot);

    expect(states(views)).toEqual({ ingest: 'done', validate: 'failed', feature: 'skipped', train: 'skipped', evaluate: 'skipped', register: 'skipped', deploy: 'skipped' });
    expect(renderStep(views[1]!)).toBe('validate  failed   Label column "y" is not in this dataset');
    expect(runOutcome(snapshot)).toEqual({ final: true, ok: false, status: 'failed', message: `run ${RUN} failed at validate: Label column "y" is not in this dataset` });
  });

  it('a cancelled run: the step it was in is failed with the reason, the outcome is cancelled', () => {
    const snapshot: RunSnapshot = { runId: RUN, status: 'CANCELLED', manifests: { ingest, validate, feature }, pending: [], failure: { activity: 'train', message: 'Workflow cancelled' } };
    expect(states(stepViews(snapshot))).toEqual({ ingest: 'done', validate: 'reused', feature: 'done', train: 'failed', evaluate: 'skipped' });
    expect(runOutcome(snapshot)).toMatchObject({ final: true, ok: false, status: 'cancelled', message: `run ${RUN} was cancelled` });
  });

  it('a finished pipeline waits for its model workflow: register done, deploy running on the latest alias move (the canary soak)', () => {
    const snapshot: RunSnapshot = {
      runId: RUN,
      status: 'COMPLETED',
      manifests,
      pending: [],
      epochs: 10,
      modelView: model(record('running'), { version: version(2), aliases: { production: 1, canary: 2 }, history: [{ alias: 'canary', to: 2, at: 't', by: 'deploy', reason: 'canary at 10% for 1 second' }] }),
    };

    const views = stepViews(snapshot);

    expect(views.slice(3).map(renderStep)).toEqual([
      'train     done     [################----] 8/10 epochs, stopped early (best 6) loss 0.4123 val_loss 0.4568',
      'evaluate  done     Blessed: candidate auc 0.9123 meets the minimum 0',
      'register  done     v2, blessed',
      'deploy    running  canary at 10% for 1 second',
    ]);
    expect(runOutcome(snapshot)).toEqual({ final: false });
  });

  it('waiting for a manual approval says how to give it', () => {
    const views = stepViews({
      runId: RUN,
      status: 'COMPLETED',
      manifests,
      pending: [],
      modelView: model(record('running'), { version: version(2), aliases: { canary: 2 }, history: [{ alias: 'canary', to: 2, at: 't', by: 'deploy', reason: 'waiting for approval' }] }),
    });
    expect(views.at(-1)).toEqual({ step: 'deploy', state: 'running', detail: 'waiting for approval: npx ctrain approve churn (or reject)' });
  });

  it('the model workflow’s outcomes: promoted, rolled back, not blessed, unchanged (an earlier version re-used), failed at deploy', () => {
    const done = (run: RunRecord, extra: Partial<NonNullable<RunSnapshot['modelView']>>): RunSnapshot => ({ runId: RUN, status: 'COMPLETED', manifests, pending: [], modelView: model(run, extra) });
    const lastTwo = (snapshot: RunSnapshot) => stepViews(snapshot).slice(-2).map(renderStep);

    const promoted = done(record('registered', { version: 2 }), { version: version(2), aliases: { production: 2, previous: 1 } });
    expect(lastTwo(promoted)).toEqual(['register  done     v2, blessed', 'deploy    done     production v2']);
    expect(runOutcome(promoted)).toEqual({ final: true, ok: true, status: 'registered', message: `${RUN}: registered (version 2)` });

    const rolledBack = done(record('rolled-back', { version: 2 }), { version: version(2, RUN, { deployment: { reason: 'canary live error 0.31 > production 0.12' } as ModelVersion['deployment'] }), aliases: { production: 1 } });
    expect(lastTwo(rolledBack)).toEqual(['register  done     v2, blessed', 'deploy    done     rolled back: canary live error 0.31 > production 0.12']);
    expect(runOutcome(rolledBack)).toMatchObject({ final: true, ok: true, status: 'rolled-back' });

    const notBlessed = done(record('not-blessed', { version: 3 }), { version: version(3, RUN, { blessed: false, blessingReason: 'Not blessed: auc 0.41 < threshold 0.6' }) });
    expect(lastTwo(notBlessed)).toEqual(['register  done     v3, not blessed: auc 0.41 < threshold 0.6', 'deploy    skipped  not blessed']);

    const unchanged = done(record('registered', { version: 1 }), { version: version(1, 'churn.train.20261130T090000000Z'), aliases: { production: 1 } });
    expect(lastTwo(unchanged)).toEqual(['register  reused   v1: same spec, data and model', 'deploy    skipped  v1 is unchanged']);

    const failed = done(record('failed', { version: 2, error: 'Activity task failed: prediction log unreadable' }), { version: version(2) });
    expect(lastTwo(failed)).toEqual(['register  done     v2, blessed', 'deploy    failed   Activity task failed: prediction log unreadable']);
    expect(runOutcome(failed)).toEqual({ final: true, ok: false, status: 'failed', message: `run ${RUN} failed: Activity task failed: prediction log unreadable` });
  });

  it('a run still queued in its model workflow: every step pending, the header says so; a pipeline without a model shows its five steps', () => {
    const queued: RunSnapshot = { runId: RUN, manifests: {}, pending: [], modelView: model(undefined) };
    expect(new Set(stepViews(queued).map((view) => view.state))).toEqual(new Set(['pending']));
    expect(renderHeader(queued)).toBe(`${RUN} (model churn): queued in its model workflow`);
    expect(runOutcome(queued)).toEqual({ final: false });

    const standalone: RunSnapshot = { runId: 'adhoc', status: 'COMPLETED', manifests, pending: [] };
    expect(stepViews(standalone).map((view) => view.step)).toEqual(['ingest', 'validate', 'feature', 'train', 'evaluate']);
    expect(runOutcome(standalone)).toEqual({ final: true, ok: true, status: 'completed', message: 'adhoc: completed' });
  });

  it('reports only the steps that changed: all at first, then only training as its epochs go', () => {
    const at = (epoch: number): StepView[] => stepViews({ runId: RUN, status: 'RUNNING', manifests: { ingest, validate, feature }, pending: [{ activity: 'train', attempt: 1, heartbeat: { epoch } }], epochs: 10 });

    expect(changedSteps(undefined, at(1)).map((view) => view.step)).toEqual(['ingest', 'validate', 'feature', 'train', 'evaluate']);
    expect(changedSteps(at(1), at(1))).toEqual([]);
    expect(changedSteps(at(1), at(2)).map(renderStep)).toEqual(['train     running  [####----------------] epoch 2/10']);
  });

  it('draws bars of a fixed width, clamped to full and empty', () => {
    expect(progressBar(0)).toBe(`[${'-'.repeat(20)}]`);
    expect(progressBar(0.25, 8)).toBe('[##------]');
    expect(progressBar(1.5, 4)).toBe('[####]');
  });
});
