/**
 * Every object key ctrain reads or writes, in every bucket, is built here and nowhere else, so the
 * storage layout can be read (and changed) in one file. Keys derive from inputs, so a retry
 * overwrites the same bytes. Names and ids that come from outside are checked
 * (contracts/names.ts): no key leaves its prefix. Pure: no I/O, so any layer may import it.
 */
import { checkKeySegment, checkName, nameProblem } from '../contracts/names.js';
import type { ObjectRef, StepName } from '../contracts/pipeline-run.js';
import type { LogKind } from '../contracts/prediction-log.js';
import { BUCKETS } from '../contracts/stack.js';

const ref = (bucket: string, key: string): ObjectRef => ({ bucket, key });
const pipelineName = (name: string): string => checkName(name, 'pipeline name');
const runSegment = (runId: string): string => checkKeySegment(runId, 'run id');
const pad = (index: number): string => String(index).padStart(6, '0');

/** A folder of objects to list: a bucket and a key prefix ending in `/` (or empty for the whole bucket). */
export interface ObjectPrefix {
  bucket: string;
  prefix: string;
}

/** Step outputs, cached under the step's cache key; each run's step records and report. */
export const stepKeys = {
  output: (step: StepName, cacheKey: string, name: string): ObjectRef => ref(BUCKETS.artifacts, `steps/${step}/${checkKeySegment(cacheKey, 'cache key')}/${name}`),
  /** Written last: its presence marks the step's output under that key as complete. */
  manifest: (step: StepName, cacheKey: string): ObjectRef => ref(BUCKETS.artifacts, `steps/${step}/${checkKeySegment(cacheKey, 'cache key')}/manifest.json`),
  /** The train step's checkpoint for one run, beside the model it will become. */
  checkpoint: (cacheKey: string, runId: string): ObjectRef => stepKeys.output('train', cacheKey, `checkpoints/${runSegment(runId)}.bin`),
};

export const runKeys = {
  /** Each run's record of its steps, read by `--resume`. */
  step: (runId: string, step: StepName): ObjectRef => ref(BUCKETS.artifacts, `runs/${runSegment(runId)}/${step}.json`),
  /** The run's report for a person (self-contained HTML with SVG charts), beside its step records. */
  report: (runId: string): ObjectRef => ref(BUCKETS.artifacts, `runs/${runSegment(runId)}/report.html`),
};

export const pipelineKeys = {
  /** The schema inferred on a pipeline's first run, which later runs are checked against. */
  referenceSchema: (pipeline: string): ObjectRef => ref(BUCKETS.artifacts, `pipelines/${pipelineName(pipeline)}/reference-schema.json`),
  /** The spec of a pipeline ctrain does not ship, as `ctrain run <file>` last stored it: workers resolve it from here. */
  spec: (pipeline: string): ObjectRef => ref(BUCKETS.artifacts, `pipelines/${pipelineName(pipeline)}/spec.json`),
  /** Every pipeline's folder. */
  all: { bucket: BUCKETS.artifacts, prefix: 'pipelines/' } satisfies ObjectPrefix,
  /** The pipeline whose stored spec a listed key is (`pipelines/<name>/spec.json`); undefined for any other key or an invalid name. */
  specOf: (key: string): string | undefined => {
    const match = /^pipelines\/([^/]+)\/spec\.json$/.exec(key);
    return match && nameProblem(match[1]) === undefined ? match[1] : undefined;
  },
};

/** DVC's remote for the datasets, inside the datasets bucket. */
const DVC_REMOTE_PREFIX = 'dvc';

export const datasetKeys = {
  /** Sources kept in MinIO: the URI prefix workers may read unless the operator says otherwise. */
  sourcesUri: `s3://${BUCKETS.datasets}/`,
  /** The DVC remote's URL, as DVC's configuration takes it. */
  dvcRemoteUrl: `s3://${BUCKETS.datasets}/${DVC_REMOTE_PREFIX}`,
  /**
   * Where DVC 3 (`dvc push`) keeps the bytes of a version in that remote: `files/md5/<2>/<30>`.
   * Used to tell whether a version is already stored; workers read versions with `dvc pull`.
   */
  dvcRemoteObject: (md5: string): ObjectRef => {
    if (!/^[0-9a-f]{32}$/.test(md5)) throw new Error(`DVC md5 ${JSON.stringify(md5)} is not 32 hex digits`);
    return ref(BUCKETS.datasets, `${DVC_REMOTE_PREFIX}/files/md5/${md5.slice(0, 2)}/${md5.slice(2)}`);
  },
  /** The `.dvc` file of a version, kept in MinIO so any worker can `dvc pull` it. */
  dvcFile: (pipeline: string, datasetVersion: string): ObjectRef =>
    ref(BUCKETS.datasets, `meta/${pipelineName(pipeline)}/${checkKeySegment(datasetVersion, 'dataset version')}.dvc`),
  /** A source that grows, kept in MinIO (the demo's live data). */
  liveSource: (file: string): ObjectRef => ref(BUCKETS.datasets, `live/${checkKeySegment(file, 'source file')}`),
};

export const registryKeys = {
  /** A model's registry as plain JSON, readable without Temporal (by the model server and people). */
  registry: (modelName: string): ObjectRef => ref(BUCKETS.registry, `${checkName(modelName)}/registry.json`),
  /** Every model's folder sits at the top of the registry bucket. */
  all: { bucket: BUCKETS.registry, prefix: '' } satisfies ObjectPrefix,
  /** The model whose registry a listed key is (`<model>/registry.json`); undefined for any other key or an invalid name. */
  modelOf: (key: string): string | undefined => {
    const match = /^([^/]+)\/registry\.json$/.exec(key);
    return match && nameProblem(match[1]) === undefined ? match[1] : undefined;
  },
};

export const driftKeys = {
  /** Where the last check of a model's production version ended: the next one starts there. */
  lastCheck: (modelName: string): ObjectRef => ref(BUCKETS.artifacts, `drift/${checkName(modelName)}/last-check.json`),
  reports: (modelName: string): ObjectPrefix => ({ bucket: BUCKETS.artifacts, prefix: `drift/${checkName(modelName)}/reports/` }),
  /** A check's report (JSON) and its page (HTML), named by the check's time. */
  report: (modelName: string, until: string): { json: ObjectRef; html: ObjectRef } => driftKeys.named(modelName, until.replace(/[-:.]/g, '')),
  /** A report by its name (the key's last part without the extension). */
  named: (modelName: string, name: string): { json: ObjectRef; html: ObjectRef } => {
    const { bucket, prefix } = driftKeys.reports(modelName);
    const base = `${prefix}${checkKeySegment(name, 'drift report')}`;
    return { json: ref(bucket, `${base}.json`), html: ref(bucket, `${base}.html`) };
  },
  /** The report name and kind of a key listed under {@link driftKeys.reports}. */
  parse: (modelName: string, key: string): { name: string; extension: 'json' | 'html' } | undefined => {
    const match = /^([A-Za-z0-9_][A-Za-z0-9_-]*)\.(json|html)$/.exec(key.slice(driftKeys.reports(modelName).prefix.length));
    return match ? { name: match[1]!, extension: match[2] as 'json' | 'html' } : undefined;
  },
};

export const servingKeys = {
  /** The key model servers sign prediction ids with, made by the first server that finds none, shared by every replica. */
  predictionIdKey: ref(BUCKETS.artifacts, 'serving/prediction-id-key'),
  /** When the first server that signs prediction ids started, and until when bare ids from before are taken (`{ at, unsignedUntil }`, ISO times). */
  signedIdsSince: ref(BUCKETS.artifacts, 'serving/prediction-ids-signed-since.json'),
};

export const logKeys = {
  /** Every model's logs: the bucket, whose top-level folders are model names. */
  all: { bucket: BUCKETS.logs, prefix: '' } satisfies ObjectPrefix,
  /** Objects of one model, kind and UTC day (yyyy-mm-dd). */
  day: (modelName: string, kind: LogKind, day: string): ObjectPrefix => ({ bucket: BUCKETS.logs, prefix: `${checkName(modelName)}/${kind}/${day}/` }),
  /** One batch of records: `<model>/<kind>/<yyyy-mm-dd>/<timestamp>-<suffix>.jsonl`; the suffix keeps two writers apart. */
  batch: (modelName: string, kind: LogKind, day: string, at: Date, suffix: string, bucket: string = BUCKETS.logs): ObjectRef =>
    ref(bucket, `${logKeys.day(modelName, kind, day).prefix}${at.toISOString().replace(/[-:.]/g, '')}-${suffix}.jsonl`),
};

/** A batch-scoring run's own objects in the artifacts bucket: the plan, each chunk's rows, done record and rejects. */
export const batchKeys = {
  plan: (runId: string): ObjectRef => ref(BUCKETS.artifacts, `batch/${runSegment(runId)}/plan.json`),
  /** The run's own copy of a Parquet input, which its chunks read row ranges of. */
  parquetInput: (runId: string): ObjectRef => ref(BUCKETS.artifacts, `batch/${runSegment(runId)}/input.parquet`),
  chunk: (runId: string, index: number): ObjectRef => ref(BUCKETS.artifacts, `batch/${runSegment(runId)}/chunks/${pad(index)}.jsonl`),
  done: (runId: string, index: number): ObjectRef => ref(BUCKETS.artifacts, `batch/${runSegment(runId)}/done/${pad(index)}.json`),
  rejects: (runId: string, index: number): ObjectRef => ref(BUCKETS.artifacts, `batch/${runSegment(runId)}/rejects/${pad(index)}.jsonl`),
};

/** A batch-scoring run's outputs under the output location the caller named (`s3://bucket/prefix`). */
export const batchOutputKeys = {
  part: (output: ObjectRef, runId: string, index: number, format: string): ObjectRef => ref(output.bucket, `${underOutput(output, runId)}/part-${pad(index)}.${format}`),
  rejects: (output: ObjectRef, runId: string): ObjectRef => ref(output.bucket, `${underOutput(output, runId)}/rejects.jsonl`),
  manifest: (output: ObjectRef, runId: string): ObjectRef => ref(output.bucket, `${underOutput(output, runId)}/manifest.json`),
};

const underOutput = (output: ObjectRef, runId: string): string => (output.key ? `${output.key.replace(/\/+$/, '')}/${runSegment(runId)}` : runSegment(runId));
