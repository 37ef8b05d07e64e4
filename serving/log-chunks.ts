/**
 * JSON Lines kept as UTF-8 bytes outside the JavaScript heap, in object bodies of at most
 * `maxBytes` that end on whole lines. A line is encoded as it is recorded and its string dropped
 * at once: the garbage collector never walks what waits for upload, however much of it there is.
 */

/** First size of a body being filled; it doubles up to the most a body holds, so a quiet log stays small. */
const FIRST_BYTES = 64 * 1024;

export class LogChunks {
  private readonly sealed: Buffer[] = [];
  private filling: Buffer | undefined;
  private used = 0;

  constructor(private readonly maxBytes: number) {}

  /** Appends `line` and its newline; a body that cannot take it is sealed first (a single longer line is a body of its own). */
  add(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.filling === undefined || this.used + bytes > this.filling.length) this.makeRoom(bytes);
    const filling = this.filling!;
    this.used += filling.write(line, this.used);
    filling[this.used++] = 0x0a;
  }

  /** Every body so far, the one filling included, and starts empty again. */
  take(): Buffer[] {
    if (this.filling !== undefined && this.used > 0) this.sealed.push(this.filling.subarray(0, this.used));
    this.filling = undefined;
    this.used = 0;
    return this.sealed.splice(0);
  }

  private makeRoom(bytes: number): void {
    if (this.filling !== undefined && this.used > 0 && this.used + bytes > this.maxBytes) {
      this.sealed.push(this.filling.subarray(0, this.used));
      this.filling = undefined;
      this.used = 0;
    }
    // Grown by doubling, what is filled so far copied over; never past maxBytes unless one line is longer.
    let size = Math.max(this.filling?.length ?? FIRST_BYTES / 2, FIRST_BYTES / 2);
    do size *= 2;
    while (size < this.used + bytes && size < this.maxBytes);
    const grown = Buffer.allocUnsafeSlow(Math.max(Math.min(size, this.maxBytes), this.used + bytes));
    this.filling?.copy(grown, 0, 0, this.used);
    this.filling = grown;
  }
}
