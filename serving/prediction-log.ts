/**
 * The prediction log: a sample of requests and their predictions, and the outcomes posted back
 * later, written to MinIO as JSON Lines in batches for the drift check and for future training data.
 * A request's predictions become one line (contracts/prediction-log.ts, format 3) as they are
 * recorded, kept as bytes off the JavaScript heap (serving/log-chunks.ts) in object bodies ready
 * to upload, so what waits costs the garbage collector nothing. Recording never waits on MinIO; a failed upload stays queued and is retried on the next flush.
 * close() (a clean stop) writes everything; a crash loses what was recorded since the last
 * flush, at most `flushMs` of traffic.
 */
import { randomBytes } from 'node:crypto';
import type { ObjectRef } from '../contracts/pipeline-run.js';
import type { LogKind, OutcomeRecord, PredictionRecord, ServedAlias } from '../contracts/prediction-log.js';
import { PREDICTION_LOG_FORMAT } from '../contracts/prediction-log.js';
import { nameProblem, quote } from '../contracts/names.js';
import { logKeys } from '../storage/layout.js';
import { LogChunks } from './log-chunks.js';

/** Where log objects go: the store itself (storage/gateway.ts), or uploads from a thread of their own (serving/log-uploads.ts). */
export interface LogStorage {
  putBuffer(ref: ObjectRef, body: Buffer, contentType: string): Promise<unknown>;
}

export interface PredictionLogOptions {
  storage: LogStorage;
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

/** One request's predictions as the server made them: what each line of theirs holds. */
export interface ScoredRequest {
  model: string;
  version: number;
  alias: ServedAlias;
  /** ISO time of the predictions. */
  at: string;
  requestId: string;
  /** Milliseconds from the request's arrival to its scores. */
  latencyMs?: number;
  ids: readonly string[];
  scores: ArrayLike<number>;
  /** The scores as JSON numbers (serving/predict-answer.ts), when the answer has written them already. */
  scoreTexts?: readonly string[];
  /** The rows as scored (personal columns already their pseudonyms). */
  inputs: readonly unknown[];
}

interface Batch {
  /** What its objects are named by: the model, the kind, the day, and when the batch was sealed. */
  place: { modelName: string; kind: LogKind; day: string; sealed: Date };
  /** Its object bodies: whole lines, at most MAX_OBJECT_BYTES each (a single longer line is a body of its own). */
  bodies: Buffer[];
  rows: number;
  /** Its objects, named on the first attempt, so a retry rewrites the same ones. */
  refs?: ObjectRef[];
  /** Objects of it already uploaded. */
  sent: number;
}

/**
 * The most a log object holds: the storage client hashes each body before it sends it (about 3 ms
 * a megabyte here), which holds answers up for as long when the store is used from the event loop.
 */
const MAX_OBJECT_BYTES = 1024 * 1024;

export class PredictionLog {
  private readonly open = new Map<string, { modelName: string; kind: LogKind; day: string; lines: LogChunks; rows: number }>();
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

  /** Samples one request's predictions and buffers them as a line, its bytes off the JavaScript heap. */
  recordRequest(request: ScoredRequest): void {
    const rate = this.options.sampleRate ?? 1;
    const rows = rate >= 1 ? undefined : request.ids.flatMap((_, i) => (Math.random() < rate ? [i] : []));
    const count = rows?.length ?? request.ids.length;
    if (count > 0) this.append(request.model, 'predictions', request.at, () => requestLine(request, rows), count);
    this.flushIfFull();
  }

  /** Samples and buffers predictions given one record each. Their inputs are logged as given: rows whose personal columns are already pseudonyms. */
  recordPredictions(records: readonly PredictionRecord[]): void {
    for (const record of records) {
      const { model, version, alias, at, requestId, latencyMs } = record;
      this.recordRequest({ model, version, alias, at, requestId, ...(latencyMs === undefined ? {} : { latencyMs }), ids: [record.id], scores: [record.score], inputs: [record.input] });
    }
  }

  /** Buffers outcomes; all of them, since each is rare and worth more than a prediction. */
  recordOutcomes(records: readonly OutcomeRecord[]): void {
    for (const record of records) this.append(record.model, 'outcomes', record.at, () => JSON.stringify({ format: PREDICTION_LOG_FORMAT, ...record }), 1);
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
    const pendingRows = this.openRows + this.unsent.reduce((sum, batch) => sum + batch.rows, 0);
    return { pendingRows, ...this.counts };
  }

  /** Buffers the line `line` writes, unless the name is bad or too much is waiting; it is written only when kept. */
  private append(modelName: string, kind: LogKind, at: string, line: () => string, rows: number): void {
    // Checked here too, so a bad name is refused as it arrives and never reaches the key builder in upload().
    const problem = nameProblem(modelName);
    if (problem !== undefined) {
      this.options.onError?.(new Error(`prediction log refused a row for model ${quote(modelName)}: the name ${problem}`));
      return;
    }
    if (this.closed || this.stats().pendingRows + rows > (this.options.maxPendingRows ?? 100_000)) {
      const before = this.counts.droppedRows;
      this.counts.droppedRows += rows;
      if (before === 0 || Math.floor(before / 10_000) < Math.floor(this.counts.droppedRows / 10_000)) {
        this.options.onError?.(new Error(`prediction log dropped ${this.counts.droppedRows} rows so far (${this.closed ? 'closed' : 'too many rows not uploaded'})`));
      }
      return;
    }
    const day = at.slice(0, 10);
    const key = `${modelName}\n${kind}\n${day}`;
    let buffer = this.open.get(key);
    if (!buffer) this.open.set(key, (buffer = { modelName, kind, day, lines: new LogChunks(MAX_OBJECT_BYTES), rows: 0 }));
    buffer.lines.add(line());
    buffer.rows += rows;
    this.openRows += rows;
  }

  private flushIfFull(): void {
    if (this.flushing === 0 && this.openRows >= (this.options.flushRows ?? 10_000)) void this.flush();
  }

  private async upload(): Promise<void> {
    const sealed = new Date();
    for (const { modelName, kind, day, lines, rows } of this.open.values()) this.unsent.push({ place: { modelName, kind, day, sealed }, bodies: lines.take(), rows, sent: 0 });
    this.open.clear();
    this.openRows = 0;
    while (this.unsent[0]) {
      const batch = this.unsent[0];
      const { modelName, kind, day } = batch.place;
      try {
        const refs = (batch.refs ??= batch.bodies.map(() => logKeys.batch(modelName, kind, day, batch.place.sealed, randomBytes(4).toString('hex'), this.options.bucket)));
        for (; batch.sent < refs.length; batch.sent++) await this.options.storage.putBuffer(refs[batch.sent]!, batch.bodies[batch.sent]!, 'application/x-ndjson');
      } catch (error) {
        this.counts.failedUploads++;
        const reason = error instanceof Error ? error.message : String(error);
        const where = batch.refs?.[batch.sent];
        this.options.onError?.(new Error(`prediction log upload of ${batch.rows} rows${where ? ` to ${where.bucket}/${where.key}` : ''} failed (retried on the next flush): ${reason}`));
        return;
      }
      this.unsent.shift();
      this.counts.writtenRows += batch.rows;
      this.counts.writtenObjects += batch.bodies.length;
    }
  }
}

/** One request's (sampled) predictions as a line of format 3 (PredictionRequestLine). */
function requestLine(request: ScoredRequest, rows: readonly number[] | undefined): string {
  const pick = <T>(values: readonly T[] | ArrayLike<T>): readonly T[] => (rows ? rows.map((i) => values[i]!) : Array.isArray(values) ? (values as readonly T[]) : Array.from(values));
  const latency = request.latencyMs === undefined ? '' : `,"latencyMs":${JSON.stringify(request.latencyMs)}`;
  return (
    `{"format":${PREDICTION_LOG_FORMAT},"at":${JSON.stringify(request.at)},"model":${JSON.stringify(request.model)},"version":${JSON.stringify(request.version)},"alias":${JSON.stringify(request.alias)},"requestId":${JSON.stringify(request.requestId)}${latency}` +
    `,"ids":${JSON.stringify(pick(request.ids))},"scores":${request.scoreTexts ? `[${pick(request.scoreTexts).join(',')}]` : JSON.stringify(pick(request.scores))},"inputs":${JSON.stringify(pick(request.inputs))}}`
  );
}
