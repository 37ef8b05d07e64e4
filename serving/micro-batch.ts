/**
 * Micro-batching: the rows of requests that arrive together are scored by one call of the
 * network, and each caller gets its own slice back. A call costs the same few kernel launches
 * for 1 row as for 100, so under concurrent load most of a one-row request's scoring goes away.
 *
 * A batch is scored once the event loop has handed over every request that had arrived (wait 0:
 * no added latency), or after `waitMs` from its first request when the operator trades a little
 * latency for larger batches; at `maxRows` it is scored at once.
 */

export interface MicroBatchSettings {
  /** How long a batch waits for more rows after its first, in milliseconds; 0 scores it once the requests that had arrived are queued. */
  waitMs: number;
  /** Rows at which a batch is scored without waiting. */
  maxRows: number;
}

/** No added wait, and batches of at most 512 rows (a few milliseconds of scoring on one core). */
export const DEFAULT_MICRO_BATCH: MicroBatchSettings = { waitMs: 0, maxRows: 512 };

/** Scores `rows` rows of `width` features laid out row after row; synchronous, as predict is. */
export type ScoreMatrix = (features: Float32Array, rows: number) => Float32Array;

/** The most feature values (4 MiB) kept between batches for putting them together. */
const REUSED_VALUES = 1024 * 1024;

interface Waiting {
  features: Float32Array;
  rows: number;
  resolve: (scores: Float32Array) => void;
  reject: (error: unknown) => void;
}

export class MicroBatcher {
  private queue: Waiting[] = [];
  private queuedRows = 0;
  /** The scheduled scoring of the waiting batch: a timer when it waits waitMs, else an immediate (each is cleared by its own function). */
  private pending: { timer: NodeJS.Timeout } | { immediate: NodeJS.Immediate } | undefined;
  /** Batches scored and rows in them, since start: for metrics and tests. */
  readonly counts = { batches: 0, rows: 0 };
  /**
   * Where the rows of a batch of several requests are put together, reused from batch to batch
   * (scoring is synchronous and keeps no hold on it) rather than allocated and zeroed for each.
   * It grows to the largest batch seen, up to REUSED_VALUES; a larger batch gets an array of its own.
   */
  private together = new Float32Array(0);

  constructor(
    private readonly score: ScoreMatrix,
    private readonly width: number,
    private readonly settings: MicroBatchSettings = DEFAULT_MICRO_BATCH,
    /** Told each batch's row count once it is scored. */
    private readonly onBatch?: (rows: number) => void,
  ) {}

  /** The scores of `rows` rows, computed with whatever other rows are waiting. A failure of the batch fails each of its callers. */
  scoreRows(features: Float32Array, rows: number): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ features, rows, resolve, reject });
      this.queuedRows += rows;
      if (this.queuedRows >= this.settings.maxRows) this.flush();
      else this.pending ??= this.settings.waitMs > 0 ? { timer: setTimeout(() => this.flush(), this.settings.waitMs) } : { immediate: setImmediate(() => this.flush()) };
    });
  }

  /** Scores whatever is waiting now: before the network it uses is freed, nothing may be left queued. */
  flush(): void {
    if (this.pending !== undefined) {
      if ('timer' in this.pending) clearTimeout(this.pending.timer);
      else clearImmediate(this.pending.immediate);
      this.pending = undefined;
    }
    const batch = this.queue;
    const rows = this.queuedRows;
    if (batch.length === 0) return;
    this.queue = [];
    this.queuedRows = 0;
    let scores: Float32Array;
    try {
      scores = this.score(batch.length === 1 ? batch[0]!.features : this.concatenate(batch, rows * this.width), rows);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    this.counts.batches++;
    this.counts.rows += rows;
    this.onBatch?.(rows);
    let start = 0;
    for (const waiting of batch) {
      waiting.resolve(scores.subarray(start, start + waiting.rows));
      start += waiting.rows;
    }
  }

  /** The batch's features, row after row: in `together` when they fit. */
  private concatenate(batch: readonly Waiting[], length: number): Float32Array {
    if (length > this.together.length && length <= REUSED_VALUES) this.together = new Float32Array(length);
    const features = length <= this.together.length ? this.together.subarray(0, length) : new Float32Array(length);
    let at = 0;
    for (const { features: part } of batch) {
      features.set(part, at);
      at += part.length;
    }
    return features;
  }
}
