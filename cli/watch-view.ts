/**
 * The pure part of `ctrain watch`: a snapshot of a run (its workflow, the manifests of its
 * finished steps, its pending activities' heartbeats, its model workflow's registry) turned into
 * one state per DAG step, and those states into lines, progress bars and JSON events.
 */
import type { AliasChange, ModelVersion, RunRecord } from '../contracts/model.js';
import type { ModelStepName, StepManifest, StepName, TrainProgress } from '../contracts/pipeline-run.js';
import { PIPELINE_STEPS } from '../contracts/pipeline-run.js';
import { fourDecimals } from '../format/numbers.js';
import { blessingWhy } from '../model/blessing.js';

export const STEP_STATES = ['pending', 'running', 'done', 'reused', 'failed', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

/** The steps the training pipeline runs itself; register and deploy belong to the model workflow. */

/** A pending activity of the run, as describe() reports it. */
export interface PendingActivity {
  activity: string;
  attempt: number;
  /** The last heartbeat's details, decoded: train sends a TrainProgress, ingest {rows}. */
  heartbeat?: unknown;
  /** Why the last attempt failed, while the activity waits for its retry. */
  lastFailure?: string;
}

/** What `watch` knows about a run at one moment. */
export interface RunSnapshot {
  runId: string;
  /** The pipeline workflow's status (RUNNING, COMPLETED, FAILED…); undefined while the run waits in its model workflow's queue. */
  status?: string;
  /** Manifests of the steps the run has finished (ran, reused from the cache or from the run it resumes). */
  manifests: Partial<Record<StepName, StepManifest>>;
  pending: PendingActivity[];
  /** The spec's training.epochs, once known. */
  epochs?: number;
  /** Why the pipeline failed, with the activity that failed when one did. */
  failure?: { activity?: string; message: string };
  /** The model workflow's view of the run, when it belongs to one. */
  modelView?: {
    name: string;
    run?: RunRecord;
    /** The version this run registered (its runId), or the earlier one an unchanged run re-used. */
    version?: ModelVersion;
    aliases: Partial<Record<string, number>>;
    history: AliasChange[];
  };
}

/** One DAG step as `watch` shows it. */
export interface StepView {
  step: StepName | ModelStepName;
  state: StepState;
  /** What a person reads beside the state: rows, metrics, the version, the error. */
  detail?: string;
  /** Attempt of the running activity, when it is a retry (2 and up). */
  attempt?: number;
  /** Training progress: the epoch finished last, of `epochs`, and its losses. */
  epoch?: number;
  epochs?: number;
  loss?: number;
  valLoss?: number;
}

export type Outcome = { final: false } | { final: true; ok: boolean; status: string; message: string };

/** Every step's state, in DAG order: the five pipeline steps, then register and deploy when the run belongs to a model workflow. */
export function stepViews(snapshot: RunSnapshot): StepView[] {
  const views = PIPELINE_STEPS.map((step) => pipelineStep(snapshot, step));
  // A run that ended badly runs nothing more: what had not finished (or failed) is skipped.
  if (isClosedUnsuccessfully(snapshot.status)) for (const view of views) if (view.state === 'pending' || view.state === 'running') Object.assign(view, { state: 'skipped', detail: undefined });
  return snapshot.modelView ? [...views, ...modelSteps(snapshot, snapshot.modelView)] : views;
}

/** Whether the run is over (the pipeline closed, and its model workflow has recorded the outcome), and how it went. */
export function runOutcome(snapshot: RunSnapshot): Outcome {
  const { status, modelView, failure, runId } = snapshot;
  if (isClosedUnsuccessfully(status)) {
    const cancelled = status === 'CANCELLED' || modelView?.run?.status === 'cancelled';
    const where = failure?.activity ? ` at ${failure.activity}` : '';
    return { final: true, ok: false, status: cancelled ? 'cancelled' : 'failed', message: cancelled ? `run ${runId} was cancelled` : `run ${runId} failed${where}: ${failure?.message ?? status!.toLowerCase()}` };
  }
  if (status !== 'COMPLETED') return { final: false };
  if (!modelView) return { final: true, ok: true, status: 'completed', message: `${runId}: completed` };
  const run = modelView.run;
  if (!run || run.status === 'queued' || run.status === 'running') return { final: false };
  if (run.status === 'failed' || run.status === 'cancelled') return { final: true, ok: false, status: run.status, message: `run ${runId} ${run.status}${run.error ? `: ${run.error}` : ''}` };
  return { final: true, ok: true, status: run.status, message: `${runId}: ${run.status}${run.version === undefined ? '' : ` (version ${run.version})`}` };
}

/** The steps whose view differs from the one before (all of them the first time). */
export function changedSteps(before: readonly StepView[] | undefined, after: readonly StepView[]): StepView[] {
  return after.filter((view) => {
    const earlier = before?.find((candidate) => candidate.step === view.step);
    return !earlier || JSON.stringify(earlier) !== JSON.stringify(view);
  });
}

const BAR_WIDTH = 20;

/** `[#######-------------]` for a fraction between 0 and 1. */
export function progressBar(fraction: number, width = BAR_WIDTH): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** One step as a line: name, state, a bar while training, and the detail. */
export function renderStep(view: StepView): string {
  const bar = view.step === 'train' && view.epochs && view.epoch !== undefined ? `${progressBar(view.epoch / view.epochs)} ` : '';
  return `${view.step.padEnd(9)} ${view.state.padEnd(8)} ${bar}${view.detail ?? ''}`.trimEnd();
}

/** The first line of a watch: which run, of which model, and where it stands. */
export function renderHeader(snapshot: RunSnapshot): string {
  const ofModel = snapshot.modelView ? ` (model ${snapshot.modelView.name})` : '';
  return `${snapshot.runId}${ofModel}: ${snapshot.status === undefined ? 'queued in its model workflow' : snapshot.status.toLowerCase()}`;
}

/** A step view as one `--json` line: `{"runId", "step", "state", …}` (see docs/cli-json.md). */
export function stepEvent(runId: string, view: StepView): Record<string, unknown> {
  return { runId, ...view };
}

function pipelineStep(snapshot: RunSnapshot, step: StepName): StepView {
  const manifest = snapshot.manifests[step];
  if (manifest) return finishedStep(manifest, snapshot.epochs);
  if (snapshot.failure?.activity === step) return { step, state: 'failed', detail: snapshot.failure.message };
  const activity = snapshot.pending.find((candidate) => candidate.activity === step);
  if (!activity) return { step, state: 'pending' };
  const view: StepView = { step, state: 'running' };
  if (activity.attempt > 1) view.attempt = activity.attempt;
  const notes: string[] = [];
  const beat = (activity.heartbeat ?? {}) as Partial<TrainProgress> & { rows?: number };
  if (step === 'train') {
    Object.assign(view, { epoch: beat.epoch ?? 0, epochs: beat.maxEpochs ?? snapshot.epochs });
    if (beat.loss !== undefined) view.loss = beat.loss;
    if (beat.valLoss !== undefined && beat.valLoss !== null) view.valLoss = beat.valLoss;
    notes.push(`epoch ${view.epoch}${view.epochs ? `/${view.epochs}` : ''}${losses(view.loss, view.valLoss)}`);
    if (beat.resumedFromEpoch) notes.push(`resumed from epoch ${beat.resumedFromEpoch}`);
  } else if (typeof beat.rows === 'number') {
    notes.push(`${beat.rows} rows read`);
  }
  if (activity.attempt > 1) notes.push(`attempt ${activity.attempt}${activity.lastFailure ? `, last: ${activity.lastFailure}` : ''}`);
  if (notes.length) view.detail = notes.join('; ');
  return view;
}

function finishedStep(manifest: StepManifest, epochs: number | undefined): StepView {
  const view: StepView = { step: manifest.step, state: manifest.cached ? 'reused' : 'done' };
  const prefix = manifest.cached ? `from ${manifest.reusedBy ?? 'cache'}: ` : '';
  switch (manifest.step) {
    case 'ingest':
      view.detail = `${manifest.rows} rows, dataset ${manifest.datasetVersion.slice(0, 12)}`;
      break;
    case 'validate':
      view.detail = `${manifest.warnings} warnings${manifest.inferredReference ? ', reference schema inferred' : ''}`;
      break;
    case 'feature':
      view.detail = `${manifest.width} features; ${manifest.splits.train.rows}/${manifest.splits.validation.rows}/${manifest.splits.test.rows} train/validation/test rows`;
      break;
    case 'train':
      Object.assign(view, { epoch: manifest.epochsRun, epochs: epochs ?? manifest.epochsRun, loss: manifest.loss, valLoss: manifest.valLoss });
      view.detail = `${epochs !== undefined && manifest.epochsRun < epochs ? `${manifest.epochsRun}/${epochs} epochs, stopped early` : `${manifest.epochsRun} epochs`} (best ${manifest.bestEpoch})${losses(manifest.loss, manifest.valLoss)}`;
      break;
    case 'evaluate':
      // The blessing's reason names the gating metric, its value and the bar it was held to.
      view.detail = manifest.reason.replace(/\.$/, '');
      break;
  }
  view.detail = `${prefix}${view.detail}`;
  return view;
}

function modelSteps(snapshot: RunSnapshot, modelView: NonNullable<RunSnapshot['modelView']>): StepView[] {
  const { run, version } = modelView;
  const ours = version?.runId === snapshot.runId ? version : undefined;
  if (isClosedUnsuccessfully(snapshot.status)) return [skipped('register', 'the pipeline did not finish'), skipped('deploy', 'the pipeline did not finish')];
  if (snapshot.status !== 'COMPLETED' || !run) return [{ step: 'register', state: 'pending' }, { step: 'deploy', state: 'pending' }];
  if (run.status === 'cancelled') return [skipped('register', 'cancelled'), skipped('deploy', 'cancelled')];
  if (!ours) {
    if (version && run.status === 'registered') return [{ step: 'register', state: 'reused', detail: `v${version.version}: same spec, data and model` }, skipped('deploy', `v${version.version} is unchanged`)];
    if (run.status === 'failed') return [{ step: 'register', state: 'failed', detail: run.error }, skipped('deploy', 'not registered')];
    return [{ step: 'register', state: 'running' }, { step: 'deploy', state: 'pending' }];
  }
  const register: StepView = { step: 'register', state: 'done', detail: `v${ours.version}${ours.blessed ? ', blessed' : ''}` };
  if (!ours.blessed) return [{ ...register, detail: `v${ours.version}, not blessed: ${blessingWhy(ours.blessingReason)}` }, skipped('deploy', 'not blessed')];
  return [register, deployStep(modelView, ours, run)];
}

function deployStep(modelView: NonNullable<RunSnapshot['modelView']>, version: ModelVersion, run: RunRecord): StepView {
  const step = 'deploy';
  switch (run.status) {
    case 'registered':
      return { step, state: 'done', detail: modelView.aliases.production === version.version ? `production v${version.version}` : `v${version.version} promoted` };
    case 'rolled-back':
      return { step, state: 'done', detail: `rolled back: ${version.deployment?.reason ?? 'the canary lost to production'}` };
    case 'rejected':
      return { step, state: 'done', detail: 'rejected by hand' };
    case 'failed':
      return { step, state: 'failed', detail: run.error };
    default: {
      // The latest alias move of this version says what the deploy is waiting for.
      const change = [...modelView.history].reverse().find((candidate) => candidate.to === version.version);
      const detail = change?.reason === 'waiting for approval' ? `waiting for approval: npx ctrain approve ${modelView.name} (or reject)` : change?.reason;
      return detail ? { step, state: 'running', detail } : { step, state: 'running' };
    }
  }
}

const skipped = (step: StepView['step'], detail: string): StepView => ({ step, state: 'skipped', detail });
const isClosedUnsuccessfully = (status: string | undefined): boolean => status !== undefined && !['RUNNING', 'COMPLETED'].includes(status);
const losses = (loss: number | undefined, valLoss: number | undefined): string =>
  `${loss === undefined ? '' : ` loss ${fourDecimals(loss)}`}${valLoss === undefined || Number.isNaN(valLoss) ? '' : ` val_loss ${fourDecimals(valLoss)}`}`;
