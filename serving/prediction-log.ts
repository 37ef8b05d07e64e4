/**
 * The prediction log: a sample of requests and their predictions, and the outcomes posted back
 * later, written to MinIO as JSON Lines in batches for the drift check and for future training data.
 * Recording never waits on MinIO; a failed upload stays queued and is retried on the next flush.
 */
import { randomBytes } from 'node:crypto';
import type { ObjectRef } from '../contracts/pipeline-run.js';
import type { LogKind, OutcomeRecord, PredictionRecord } from '../contracts/prediction-log.js';
import { PREDICTION_LOG_FORMAT } from '../contracts/prediction-log.js';
import { nameProblem, quote } from '../contracts/names.js';
import type { ObjectStore } from '../storage/gateway.js';
import { logKeys } from '../storage/layout.js';

export interface PredictionLogOptions {
  storage: ObjectStore;
  /** Default `ctrain-logs`. */
  bucket?: string;
  /** Share of predictions logged, 0–1. Default 1. Outcomes are always logged. */
  sampleRate?: number;
  /** Flush once this many rows are buffered. Default 10 000: under load, fewer and larger log objects (a 1000-row flush meant some 50 MinIO writes a second at 50 000 rows/s). */
  flushRows?: number;
  /** Flush at least this often, in milliseconds. Default 5000. */
  flushMs?: number;
  /** Rows held (buffered or failed to upload) before new ones are dropped, so a MinIO outage cannot exhaust memory. Default 100 000. */
  maxPendingRows?: number;
  /** How long close() waits for the last flush, in milliseconds. Default 10 000. */
  closeTimeoutMs?: number;
  /** Told about failed uploads and dropped rows; serving goes on regardless. */
  onError?: (error: Error) => void;
}

/** Counters since start, for metrics and tests. */
export interface PredictionLogStats {
  pendingRows: number;
  writtenRows: number;
  writtenObjects: number;
  failedUploads: number;
  droppedRows: number;
}

interface Batch {
  /** Fixed when the batch is sealed, so a retried upload rewrites the same object. */
  ref: ObjectRef;
  lines: string[];
}

export class PredictionLog {
  private readonly open = new Map<string, { modelName: string; kind: LogKind; day: string; lines: string[] }>();
  private openRows = 0;
  private readonly unsent: Batch[] = [];
  private readonly counts = { writtenRows: 0, writtenObjects: 0, failedUploads: 0, droppedRows: 0 };
  private tail: Promise<void> = Promise.resolve();
  private flushing = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: PredictionLogOptions) {
    const rate = options.sampleRate ?? 1;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`prediction log sampleRate is ${rate}; expected 0 to 1`);
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 5000);
    this.timer.unref();
  }

  /** Samples and buffers predictions. Their inputs are logged as given: the server hands over rows whose personal columns are already pseudonyms. */
  recordPredictions(records: readonly PredictionRecord[]): void {
    const rate = this.options.sampleRate ?? 1;
    for (const record of records) if (rate >= 1 || Math.random() < rate) this.append(record.model, 'predictions', record.at, record);
    this.flushIfFull();
  }

  /** Buffers outcomes; all of them, since each is rare and worth more than a prediction. */
  recordOutcomes(records: readonly OutcomeRecord[]): void {
    for (const record of records) this.append(record.model, 'outcomes', record.at, record);
    this.flushIfFull();
  }

  /** Uploads everything buffered and retries earlier failures. Never rejects. */
  flush(): Promise<void> {
    this.flushing++;
    this.tail = this.tail.then(() => this.upload()).finally(() => this.flushing--);
    return this.tail;
  }

  /** Stops the timer and flushes, waiting at most `closeTimeoutMs`; rows still unsent then are reported lost. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => (timeout = setTimeout(() => resolve('timeout'), this.options.closeTimeoutMs ?? 10_000)));
    await Promise.race([this.flush(), gaveUp]);
    clearTimeout(timeout);
    const { pendingRows } = this.stats();
    if (pendingRows > 0) this.options.onError?.(new Error(`prediction log closed with ${pendingRows} rows not uploaded`));
  }

  stats(): PredictionLogStats {
    const pendingRows = this.openRows + this.unsent.reduce((sum, batch) => sum + batch.lines.length, 0);
    return { pendingRows, ...this.counts };
  }

  private append(modelName: string, kind: LogKind, at: string, record: PredictionRecord | OutcomeRecord): void {
    // Checked here too, so a bad name is refused as it arrives and never reaches the key builder in upload().
    const problem = nameProblem(modelName);
    if (problem !== undefined) {
      this.options.onError?.(new Error(`prediction log refused a row for model ${quote(modelName)}: the name ${problem}`));
      return;
    }
    if (this.closed || this.stats().pendingRows >= (this.options.maxPendingRows ?? 100_000)) {
      this.counts.droppedRows++;
      if (this.counts.droppedRows === 1 || this.counts.droppedRows % 10_000 === 0) {
        this.options.onError?.(new Error(`prediction log dropped ${this.counts.droppedRows} rows so far (${this.closed ? 'closed' : 'too many rows not uploaded'})`));
      }
      return;
    }
    const day = at.slice(0, 10);
    const key = `${modelName}\n${kind}\n${day}`;
    let buffer = this.open.get(key);
    if (!buffer) this.open.set(key, (buffer = { modelName, kind, day, lines: [] }));
    buffer.lines.push(JSON.stringify({ format: PREDICTION_LOG_FORMAT, ...record }));
    this.openRows++;
  }

  private flushIfFull(): void {
    if (this.flushing === 0 && this.openRows >= (this.options.flushRows ?? 10_000)) void this.flush();
  }

  private async upload(): Promise<void> {
    const now = new Date();
    for (const { modelName, kind, day, lines } of this.open.values()) {
      this.unsent.push({ ref: logKeys.batch(modelName, kind, day, now, randomBytes(4).toString('hex'), this.options.bucket), lines });
    }
    this.open.clear();
    this.openRows = 0;
    while (this.unsent[0]) {
      const batch = this.unsent[0];
      try {
        await this.options.storage.putBuffer(batch.ref, Buffer.from(`${batch.lines.join('\n')}\n`), 'application/x-ndjson');
      } catch (error) {
        this.counts.failedUploads++;
        const reason = error instanceof Error ? error.message : String(error);
        this.options.onError?.(new Error(`prediction log upload of ${batch.lines.length} rows to ${batch.ref.bucket}/${batch.ref.key} failed (retried on the next flush): ${reason}`));
        return;
      }
      this.unsent.shift();
      this.counts.writtenRows += batch.lines.length;
      this.counts.writtenObjects++;
    }
  }
}
