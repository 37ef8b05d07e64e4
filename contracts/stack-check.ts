/** Input of the stack check: a small workflow that proves Temporal, a worker and MinIO work together. */
export interface StackCheckInput {
  /** Bucket to write into; one of BUCKETS. */
  bucket: string;
  /** Object key the activity writes and reads back. */
  key: string;
  /** Text stored in the object. */
  text: string;
}

/** What the activity wrote and read back. */
export interface StackCheckResult {
  key: string;
  etag: string;
  bytes: number;
  readBack: string;
}
