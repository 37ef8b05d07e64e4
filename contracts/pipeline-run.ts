import type { PipelineSpec } from './pipeline-spec.js';

/** Contracts of a training-pipeline run: its input, each step's manifest, and its result. Only ids, URIs, hashes and metrics. */

/** The training pipeline's steps in DAG order: each an activity whose manifest is recorded for a resume and cached under its key. */
export const PIPELINE_STEPS = ['ingest', 'validate', 'feature', 'train', 'evaluate'] as const;
export type StepName = (typeof PIPELINE_STEPS)[number];
/** What the model workflow does with a pipeline's result: no manifest, no cache; they write the registry. */
export const MODEL_STEPS = ['register', 'deploy'] as const;
export type ModelStepName = (typeof MODEL_STEPS)[number];
/** The whole DAG, as people see it: the pipeline's steps, then the model workflow's. */
export const DAG_STEPS = [...PIPELINE_STEPS, ...MODEL_STEPS] as const;

/** Step caching: a step whose cache key already has a complete output is reused unless turned off here. */
export interface CacheOptions {
  /** false turns caching off for the whole run. Default true. */
  enabled?: boolean;
  /** Steps that always recompute in this run. */
  disabledSteps?: StepName[];
}

/** Input of the training pipeline workflow; plain JSON so `temporal workflow start` can start one. */
export interface PipelineRunInput {
  /** A shipped pipeline spec's name, e.g. 'flight-delay'. */
  pipeline: string;
  cache?: CacheOptions;
  /** Workflow id of an earlier, failed run whose successful steps are reused as they are. */
  resumeOf?: string;
  /** Changes to the shipped spec for this run only; the result is validated like the spec itself. */
  overrides?: PipelineOverrides;
  /** Task queue of the trainer workers; default: the spec's training.taskQueue. */
  trainTaskQueue?: string;
  /** The model in production when the run started, which evaluate compares against. Set by the model workflow. */
  production?: ModelRef;
}

/**
 * Per-run changes to a spec's sections (e.g. another source, more epochs, a shorter soak),
 * merged field by field over the shipped spec before it is validated.
 */
export type PipelineOverrides = Partial<Record<'source' | 'training' | 'evaluation' | 'deploy', Record<string, unknown>>>;

/** A registered model's artifacts. */
export interface ModelRef {
  version: number;
  modelArtifact: ObjectRef;
  transform: ObjectRef;
}

/** An object in MinIO. */
export interface ObjectRef {
  bucket: string;
  key: string;
}

/** The object's s3:// URI, as people and DVC read it. */
export const uriOf = (object: ObjectRef): string => `s3://${object.bucket}/${object.key}`;

/**
 * The layout of persisted step manifests (the step cache's and each run's records), written into
 * each as `format`. 1 (no `format` field) and 2 have the same fields: 2 marks manifests written
 * since formats were recorded. 3: the train step's network artifact is `modelArtifact` (it was
 * `model`). Readers take all these (contracts/format-renames.ts). 4: the feature step may store
 * rows compactly, as its `rowEncoding` says; a reader of 3 would misread them, so it refuses 4.
 */
export const MANIFEST_FORMAT = 4;

/** Common to every step's manifest. */
export interface StepManifestBase {
  /** {@link MANIFEST_FORMAT} when stored; absent in manifests of format 1 and in ones not stored yet. */
  format?: number;
  step: StepName;
  /** The step cache key: code version + configuration + input content hashes. */
  cacheKey: string;
  /** True when this run reused a complete earlier output instead of computing it. */
  cached: boolean;
  /** Why it was reused: 'cache' (same key) or 'resume' (taken from the failed run being resumed). */
  reusedBy?: 'cache' | 'resume';
  /** Identifies the output's content, fed into the next steps' cache keys. */
  contentHash: string;
  finishedAt: string;
}

/** The window a run trained on, for its lineage. */
export interface DataWindow {
  column: string;
  last: string;
  from: 'newest' | 'now';
  /** Rows after this instant and up to `until` were kept (ISO 8601). */
  since: string;
  until: string;
  /** Rows in the source, and rows in the window. */
  sourceRows: number;
  rows: number;
  /** Rows without a time in `column`, left out. */
  withoutTime: number;
}

export interface IngestManifest extends StepManifestBase {
  step: 'ingest';
  /** DVC's md5 of the snapshot: the same bytes always give the same version. */
  datasetVersion: string;
  /** The snapshot (Parquet; JSON Lines in versions ingested before) as stored by `dvc push` in the DVC remote. */
  snapshot: ObjectRef;
  /** The `.dvc` metadata, kept in MinIO so any worker can `dvc pull` this version. */
  dvcFile: ObjectRef;
  rows: number;
  bytes: number;
  /** These bytes were already versioned (the `.dvc` file and the remote copy exist): DVC was not run again. */
  reusedVersion: boolean;
  /** The objects read: the source, or each match of a `*` source in name order (absent in runs before). */
  sourceObjects?: string[];
  /** The time window the rows were taken from, when the spec sets one. */
  window?: DataWindow;
}

export interface ValidateManifest extends StepManifestBase {
  step: 'validate';
  statistics: ObjectRef;
  report: ObjectRef;
  reportHtml: ObjectRef;
  /** The pipeline's reference schema this run was checked against (inferred on the first run). */
  referenceSchema: ObjectRef;
  inferredReference: boolean;
  warnings: number;
}

export interface FeatureManifest extends StepManifestBase {
  step: 'feature';
  transform: ObjectRef;
  /** Transformed matrices (float32) per split, and the raw test rows for comparing other models. */
  splits: Record<'train' | 'validation' | 'test', { features: ObjectRef; labels: ObjectRef; rows: number }>;
  testRows: ObjectRef;
  /** Floats per row of the features the trainer takes (a one-hot block counts each of its slots). */
  width: number;
  /** How each row of a split's features object is stored. Absent (manifests before format 4): `width` float32s, dense. */
  rowEncoding?: CategorySlotsEncoding;
}

/**
 * Rows stored compactly: the numeric features' float32s, then one float32 per categorical feature
 * holding the index of its hot slot within that feature's one-hot block. The one-hot blocks are
 * nearly all zeros, so dense rows would be some twenty times the bytes to write, hash and move;
 * the loader expands them to `width` floats.
 */
export interface CategorySlotsEncoding {
  kind: 'category-slots';
  /** Numeric features first in each row. */
  numeric: number;
  /** Each categorical feature's one-hot block length (its vocabulary and the out-of-vocabulary slot), in row order. */
  blocks: number[];
}

/**
 * How the trainer chose its TensorFlow.js backend (model/backend.ts `BackendChoice`): the one it
 * used, what it ran on, and why each better one in the order was skipped.
 */
export interface BackendRecord {
  /** The backend used: 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  /** One line: what it ran on (the GPU adapter's name for webgpu), then why the better ones were skipped, or that it was forced. */
  detail: string;
  /** The better backends tried first, in order, each with its one-line reason; empty when the first one tried was used. */
  skipped: { name: string; reason: string }[];
  /** Each usable backend's measured training step for this model, which the choice rests on (absent when forced, or on versions trained before). */
  measured?: { name: string; msPerStep: number }[];
}

export interface TrainManifest extends StepManifestBase {
  step: 'train';
  modelArtifact: ObjectRef;
  /** The TensorFlow.js backend that trained it, e.g. 'wasm' (also `backendDetail.name`). */
  backend: string;
  /** How that backend was chosen. Absent in manifests written before it was recorded. */
  backendDetail?: BackendRecord;
  /** Rows per gradient step: the spec's, or the one chosen for the training split's size. Absent in manifests written before it was recorded. */
  batchSize?: number;
  epochsRun: number;
  bestEpoch: number;
  /** Epoch a retried attempt resumed from (its checkpoint), when it did. */
  resumedFromEpoch?: number;
  loss: number;
  valLoss: number;
  /**
   * Training and validation loss after each epoch, epoch 1 first (before a resume too); valLoss
   * is null without a validation split. Past 500 epochs, 500 of them evenly spread, always with
   * the best. Absent in manifests written before it was recorded.
   */
  history?: { epoch: number; loss: number; valLoss: number | null }[];
}

/** The train activity's heartbeat details: the last finished epoch and its losses. */
export interface TrainProgress {
  epoch: number;
  /** The spec's epoch limit; early stopping may end training sooner. */
  maxEpochs: number;
  loss?: number;
  /** Absent without a validation split. */
  valLoss?: number | null;
  /** Epoch this attempt resumed from (its checkpoint), when it did. */
  resumedFromEpoch?: number;
}

export interface EvaluateManifest extends StepManifestBase {
  step: 'evaluate';
  metrics: Record<string, number>;
  /** The production model's metrics on the same test rows, when there is one. */
  productionMetrics?: Record<string, number>;
  productionVersion?: number;
  /** The trivial predictor's metrics on the same test rows (absent on manifests before evaluate-6). */
  baseline?: TrivialBaseline;
  blessed: boolean;
  reason: string;
  evaluation: ObjectRef;
  /** Distributions of the raw features and of the model's scores on the test split: what drift checks compare live traffic with. */
  driftReference: ObjectRef;
  /** With evaluation.slices and a production model: the slice where the candidate lost most against it. */
  worstSlice?: { column: string; value: string; candidate: number; production: number; regression: number };
  /** The most important input features by permutation on the test split, most important first (all of them are in the evaluation object). */
  topFeatures?: string[];
}

/**
 * The trivial predictor every candidate is compared with, scored on the same test rows: the
 * training split's positive rate for every row (binary; at threshold 0.5 it always answers the
 * training majority class) or the training split's mean label (regression).
 */
export interface TrivialBaseline {
  /** What it predicts, for a person: 'prior rate 0.2574, always negative at threshold 0.5' or 'mean 16.1'. */
  predictor: string;
  /** The constant it predicts for every row: the training positive rate or the training mean, in label units. */
  value: number;
  /** The same metrics as the candidate's (auc, accuracy, logLoss, brier, … or rmse, mae, r2, rows). */
  metrics: Record<string, number>;
}

export type StepManifest = IngestManifest | ValidateManifest | FeatureManifest | TrainManifest | EvaluateManifest;

/** What a pipeline run hands back to the model workflow, which registers and deploys it. */
export interface PipelineRunResult {
  runId: string;
  pipeline: string;
  /** The effective spec (overrides applied) and its hash. */
  spec: PipelineSpec;
  specHash: string;
  datasetVersion: string;
  ingest: IngestManifest;
  validate: ValidateManifest;
  feature: FeatureManifest;
  train: TrainManifest;
  evaluate: EvaluateManifest;
  /** The run's report for a person (self-contained HTML with charts); absent when it could not be written or the run predates reports. */
  report?: ObjectRef;
}

/** A resolved spec as activities receive it: validated, with defaults, and its content hash. */
export interface ResolvedPipeline {
  spec: PipelineSpec;
  specHash: string;
}
