import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BackendRecord, CacheOptions, DataWindow, ObjectRef, PipelineOverrides, TrivialBaseline } from './pipeline-run.js';
import type { PipelineSpec } from './pipeline-spec.js';

/** A registered model version with its full lineage. */
export interface ModelVersion {
  version: number;
  /** The training pipeline run (child workflow id) that produced it: exactly one version per run. */
  runId: string;
  pipeline: string;
  specHash: string;
  /**
   * The resolved spec it was trained with (overrides applied, defaults filled in): serving, batch
   * scoring and drift checks read their settings here, never from the code they run. Absent on
   * versions registered under registry format 1.
   */
  spec?: PipelineSpec;
  datasetVersion: string;
  /** TensorFlow.js backend that trained it, e.g. 'wasm'. */
  backend: string;
  /** How that backend was chosen: what it ran on and why the better ones were skipped (absent on versions registered before it was recorded). */
  backendDetail?: BackendRecord;
  /** The time window its rows were taken from, when the spec set one. */
  dataWindow?: DataWindow;
  /** The objects its dataset was read from (a `*` source's matches, in name order). */
  sourceObjects?: string[];
  hyperparameters: Record<string, unknown>;
  metrics: Record<string, number>;
  productionMetrics?: Record<string, number>;
  /** The trivial predictor's metrics on the same test rows (training prior rate or mean); absent on versions registered before it was computed. */
  baseline?: TrivialBaseline;
  blessed: boolean;
  blessingReason: string;
  modelArtifact: ObjectRef;
  transform: ObjectRef;
  /** Reference distributions for the drift check (absent on versions registered before it existed). */
  driftReference?: ObjectRef;
  /** The canary soak's evidence and decision, when the version went through one. */
  deployment?: CanaryAssessment;
  /** The model workflow's id and run id at registration. */
  registeredBy: { workflowId: string; runId: string };
  createdAt: string;
}

export const ALIASES = ['production', 'canary', 'previous'] as const;
export type AliasName = (typeof ALIASES)[number];

/** One move of an alias: who or what moved it, when and why. */
export interface AliasChange {
  alias: AliasName;
  from?: number;
  to?: number;
  at: string;
  by: string;
  reason: string;
}

export type RunStatus = 'queued' | 'running' | 'registered' | 'not-blessed' | 'rolled-back' | 'rejected' | 'cancelled' | 'failed';

/** Live behaviour of one served version during a canary soak, from the prediction log. */
export interface LiveStats {
  version: number;
  predictions: number;
  p50LatencyMs?: number;
  p95LatencyMs?: number;
  meanScore?: number;
  /** Predictions whose outcome was posted back. */
  outcomes: number;
  /** Binary: share misclassified at 0.5; regression: mean absolute error. Needs outcomes. */
  liveError?: number;
  /** Standard deviation of the per-prediction error behind liveError. */
  liveErrorStd?: number;
}

/** The deploy step's comparison of canary and production, and its decision. */
export interface CanaryAssessment {
  promote: boolean;
  reason: string;
  canary: LiveStats;
  production: LiveStats;
  /** Population stability index of the canary's scores against production's. */
  scorePsi?: number;
  /** One-sided p-value that the canary's live error is no worse than production's (a z-test). */
  liveErrorPValue?: number;
  since: string;
  until: string;
}

export interface RunRecord {
  runId: string;
  status: RunStatus;
  /** Why the run was requested (the first request when several were folded into it). */
  requests: RetrainRequest[];
  version?: number;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** What the model workflow did with one retraining request, and why. */
export interface SignalDecision {
  at: string;
  request: RetrainRequest;
  decision: 'scheduled' | 'debounced' | 'folded' | 'started' | 'ignored-cooldown' | 'ignored-paused' | 'refused-invalid';
  /** The run it started or was folded into. */
  runId?: string;
  reason: string;
}

/**
 * The registry's JSON layout, written into every registry as `format`. 1 (no `format` field):
 * versions carry only their spec's hash. 2: each version registered since carries its resolved
 * spec. 3: the model's name is `modelName`, each version's network `modelArtifact`, the spec's
 * network section `network` (all three were `model`). Readers take all three
 * (contracts/registry-format.ts).
 */
export const REGISTRY_FORMAT = 3;

/** The registry of one model, as the model workflow holds it and writes it to MinIO. */
export interface Registry {
  /** {@link REGISTRY_FORMAT} when written; absent in registries of format 1. */
  format?: number;
  modelName: string;
  versions: ModelVersion[];
  aliases: Partial<Record<AliasName, number>>;
  history: AliasChange[];
  runs: RunRecord[];
  /** Automatic retraining is paused: drift, alert and schedule signals are recorded, not acted on. */
  paused: boolean;
  /** The latest retraining decisions, newest last (bounded). */
  decisions: SignalDecision[];
  /** When the last run finished; the cooldown counts from here. */
  lastRunFinishedAt?: string;
  /** The pacing of automatic retraining in force, from the spec (or the defaults, with why). */
  policy?: { debounce: string; cooldown: string; source: string };
}

/** A request to retrain, from a person, a drift check or an alert. */
export interface RetrainRequest {
  reason: string;
  source: 'cli' | 'drift' | 'alert' | 'schedule' | 'temporal-cli';
  cache?: CacheOptions;
  /** Per-run spec overrides; a resume without its own takes those of the run it resumes. */
  overrides?: PipelineOverrides;
  /** Run id of a failed run to resume. */
  resumeOf?: string;
  /** What the sender saw: drift scores, the alert's labels, a report's location. */
  evidence?: Record<string, unknown>;
  requestedAt?: string;
}

export interface AliasRequest {
  version?: number;
  reason?: string;
  by?: string;
}

/** The id of the model workflow for a model: `model:<name>`. */
export const modelWorkflowId = (modelName: string): string => `model:${modelName}`;

export const retrainSignal = defineSignal<[RetrainRequest]>('retrain');
/** Like the retrain signal, but answers with the id the (possibly folded) run will have. */
export const requestRunUpdate = defineUpdate<{ runId: string; folded: boolean }, [RetrainRequest]>('requestRun');
export const promoteUpdate = defineUpdate<AliasChange, [AliasRequest]>('promote');
export const rollbackUpdate = defineUpdate<AliasChange, [AliasRequest]>('rollback');
export const approveUpdate = defineUpdate<{ version: number }, [AliasRequest]>('approve');
export const rejectUpdate = defineUpdate<{ version: number }, [AliasRequest]>('reject');
export const pauseUpdate = defineUpdate<{ paused: boolean }, [{ paused: boolean }]>('setPaused');
export const registryQuery = defineQuery<Registry>('registry');
/**
 * The registry as last written to MinIO, which is what the model server and the drift checks
 * read. It lags `registryQuery` by one registry write: a run is final here only once its outcome
 * is durable.
 */
export const publishedRegistryQuery = defineQuery<Registry>('publishedRegistry');

/** Input of the model workflow; carries the registry across continue-as-new. */
export interface ModelWorkflowInput {
  modelName: string;
  /** Runs before the workflow continues as new (keeping its state). Default 20. */
  continueAsNewAfterRuns?: number;
  /** Task queue of the trainer workers; default: the spec's training.taskQueue. */
  trainTaskQueue?: string;
  registry?: Registry;
  pending?: RunRecord & { notBefore?: string };
}
