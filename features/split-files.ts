/**
 * The feature step's outputs streamed to local files, so no split is ever held whole: a split's
 * features (rows encoded as category slots) and labels as float32 matrices, and the test rows as
 * JSON Lines. Expanded, the features are the bytes the in-memory path (toMatrix) gives; the labels
 * and test rows are its bytes as they are.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { CategorySlotsEncoding } from '../contracts/pipeline-run.js';
import { encodedWidth, encodeRow } from './row-encoding.js';
import { SPLIT_NAMES } from './split.js';
import type { SplitName } from './split.js';
import type { TransformedRow } from './transform.js';
import type { InputRow } from './values.js';

/** Bytes gathered before one write: a write per row would cost more than the row. */
const CHUNK_BYTES = 1 << 20;

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  // A write may take fewer bytes than it was given.
  for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
}

/**
 * Float32 values appended to a file in the machine's byte order, as `Buffer.from(float32Array.buffer)`
 * holds them; the file's SHA-256 taken on the way, so storing it need not read it again to hash it.
 */
export class Float32File {
  private readonly chunk = new Float32Array(CHUNK_BYTES / Float32Array.BYTES_PER_ELEMENT);
  private used = 0;
  private readonly hash = createHash('sha256');
  private digest: string | undefined;

  private constructor(private readonly handle: FileHandle) {}

  static async create(path: string): Promise<Float32File> {
    return new Float32File(await open(path, 'w'));
  }

  async append(values: Float32Array): Promise<void> {
    for (let offset = 0; offset < values.length; ) {
      const count = Math.min(values.length - offset, this.chunk.length - this.used);
      this.chunk.set(values.subarray(offset, offset + count), this.used);
      this.used += count;
      offset += count;
      if (this.used === this.chunk.length) await this.flush();
    }
  }

  async push(value: number): Promise<void> {
    this.chunk[this.used++] = value;
    if (this.used === this.chunk.length) await this.flush();
  }

  /** Writes what is left and closes the file. */
  async finish(): Promise<void> {
    await this.flush();
    await this.handle.close();
    this.digest = this.hash.digest('hex');
  }

  /** The SHA-256 of the file's bytes (hex), once it is finished. */
  get sha256(): string | undefined {
    return this.digest;
  }

  /** Closes the file without writing what is left: for cleaning up after a failure (closing twice is harmless). */
  async close(): Promise<void> {
    await this.handle.close();
  }

  private async flush(): Promise<void> {
    // The chunk is reused only once the write has finished with it.
    const bytes = new Uint8Array(this.chunk.buffer, 0, this.used * Float32Array.BYTES_PER_ELEMENT);
    this.hash.update(bytes);
    await writeAll(this.handle, bytes);
    this.used = 0;
  }
}

/** Lines joined by '\n' with none after the last, as `lines.join('\n')` gives them. */
export class LinesFile {
  private pending: string[] = [];
  private pendingLength = 0;
  private lines = 0;

  private constructor(private readonly handle: FileHandle) {}

  static async create(path: string): Promise<LinesFile> {
    return new LinesFile(await open(path, 'w'));
  }

  async add(line: string): Promise<void> {
    const text = this.lines++ === 0 ? line : `\n${line}`;
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= CHUNK_BYTES) await this.flush();
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async flush(): Promise<void> {
    // Chunks end at whole lines, so UTF-8 encoded piecewise gives the same bytes as encoded at once.
    const bytes = Buffer.from(this.pending.join(''));
    this.pending = [];
    this.pendingLength = 0;
    await writeAll(this.handle, bytes);
  }
}

/** One split's transformed rows as two files: row-major float32 features, encoded, and float32 labels (NaN for a row without one), as toMatrix orders them. */
export class SplitMatrixWriter {
  private count = 0;
  private finished = false;
  private readonly encoded: Float32Array;

  private constructor(
    private readonly encoding: CategorySlotsEncoding,
    private readonly features: Float32File,
    private readonly labels: Float32File,
  ) {
    this.encoded = new Float32Array(encodedWidth(encoding));
  }

  static async create(encoding: CategorySlotsEncoding, featuresPath: string, labelsPath: string): Promise<SplitMatrixWriter> {
    const features = await Float32File.create(featuresPath);
    try {
      return new SplitMatrixWriter(encoding, features, await Float32File.create(labelsPath));
    } catch (error) {
      await features.close();
      throw error;
    }
  }

  /** Rows added so far. */
  get rows(): number {
    return this.count;
  }

  async add(row: TransformedRow): Promise<void> {
    encodeRow(this.encoding, row.features, this.encoded, 0);
    await this.features.append(this.encoded);
    await this.labels.push(row.label ?? Number.NaN);
    this.count++;
  }

  /** Rows at once: their features row-major and already encoded, and their labels. */
  async addBlock(features: Float32Array, labels: Float32Array): Promise<void> {
    await this.features.append(features);
    await this.labels.append(labels);
    this.count += labels.length;
  }

  /** Writes what is left and closes both files; once only, so a split finished early is not written again. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.features.finish();
    await this.labels.finish();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.features.close(), this.labels.close()]);
  }

  /** The SHA-256 of each file, once finished. */
  get sha256(): { features?: string; labels?: string } {
    return { features: this.features.sha256, labels: this.labels.sha256 };
  }
}

/** The local file names of a split's matrices; the feature step stores each under the same name. */
export const splitFileNames = (split: SplitName) => ({ features: `${split}.features.f32`, labels: `${split}.labels.f32` });

/** The test rows as read from the snapshot, for evaluation and drift checks to read back: JSON Lines from the row-by-row path. */
export const TEST_ROWS_FILE = 'test.rows.jsonl';

/** The test rows from the engine: Parquet, in the snapshot's own column types (a tenth of the JSON's bytes, and the engine writes it faster). */
export const TEST_ROWS_PARQUET = 'test.rows.parquet';

/** The feature step's files in one folder: each split's matrices and the test rows. */
export class SplitFiles {
  private constructor(
    private readonly matrices: Record<SplitName, SplitMatrixWriter>,
    private readonly testRows: LinesFile,
  ) {}

  static async create(dir: string, encoding: CategorySlotsEncoding): Promise<SplitFiles> {
    const matrices: Partial<Record<SplitName, SplitMatrixWriter>> = {};
    try {
      for (const split of SPLIT_NAMES) {
        const names = splitFileNames(split);
        matrices[split] = await SplitMatrixWriter.create(encoding, join(dir, names.features), join(dir, names.labels));
      }
      const testRows = await LinesFile.create(join(dir, TEST_ROWS_FILE));
      return new SplitFiles(matrices as Record<SplitName, SplitMatrixWriter>, testRows);
    } catch (error) {
      await Promise.allSettled(Object.values(matrices).map((matrix) => matrix.close()));
      throw error;
    }
  }

  /** Appends a transformed row to its split; a test row also goes, as read, to the test rows. */
  async add(split: SplitName, row: InputRow, transformed: TransformedRow): Promise<void> {
    await this.matrices[split].add(transformed);
    if (split === 'test') await this.testRows.add(JSON.stringify(row));
  }

  /** Appends a block of transformed rows, encoded, to a split's matrices only (the engine writes the test rows itself). */
  async addBlock(split: SplitName, features: Float32Array, labels: Float32Array): Promise<void> {
    await this.matrices[split].addBlock(features, labels);
  }

  /** Writes what is left of one split's matrices and closes them: their files are complete from here on. Answers each file's SHA-256 by its name. */
  async finishSplit(split: SplitName): Promise<Record<string, string>> {
    const matrix = this.matrices[split];
    await matrix.finish();
    const names = splitFileNames(split);
    return { [names.features]: matrix.sha256.features!, [names.labels]: matrix.sha256.labels! };
  }

  /** Rows added per split. */
  rows(): Record<SplitName, number> {
    return { train: this.matrices.train.rows, validation: this.matrices.validation.rows, test: this.matrices.test.rows };
  }

  /** Writes what is left and closes every file. */
  async finish(): Promise<void> {
    for (const matrix of Object.values(this.matrices)) await matrix.finish();
    await this.testRows.finish();
  }

  /** Closes every file still open, writing nothing more: after finish() it does nothing, after a failure it releases the files. */
  async close(): Promise<void> {
    await Promise.allSettled([...Object.values(this.matrices).map((matrix) => matrix.close()), this.testRows.close()]);
  }
}
