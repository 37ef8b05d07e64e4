/** Names shared by workflows, activities, workers, the CLI and tests. */

/** Temporal task queues: the general (CPU) worker and the trainer (GPU) worker. */
export const TASK_QUEUES = {
  general: 'ctrain-general',
  train: 'ctrain-train',
} as const;

/** MinIO buckets ctrain creates at start-up. */
export const BUCKETS = {
  /** DVC remote and ingested dataset snapshots. */
  datasets: 'ctrain-datasets',
  /** Step outputs: reports, transforms, checkpoints, models. */
  artifacts: 'ctrain-artifacts',
  /** The model registry, written through as plain JSON. */
  registry: 'ctrain-registry',
  /** Prediction logs and feedback from the model server. */
  logs: 'ctrain-logs',
} as const;

/** Custom search attributes registered on the Temporal server, with their types. */
export const SEARCH_ATTRIBUTES = {
  ModelName: 'Keyword',
  DatasetVersion: 'Keyword',
  PipelineStep: 'Keyword',
} as const;

/** Development credentials for the embedded MinIO; override with CTRAIN_MINIO_ACCESS_KEY / CTRAIN_MINIO_SECRET_KEY. */
export const DEV_MINIO_CREDENTIALS = {
  accessKey: 'ctrain',
  secretKey: 'ctrain-dev-secret',
} as const;
