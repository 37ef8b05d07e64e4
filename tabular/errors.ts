import { basename } from 'node:path';

/**
 * A source file that cannot be read as the format it claims: malformed CSV, a line of JSON
 * Lines that is not an object, a Parquet file this reader cannot decode. Retrying does not
 * help, so activities should turn it into a non-retryable failure. The message names the file
 * and, where known, the line (CSV, JSON Lines) or row range (Parquet).
 */
export class TabularReadError extends Error {
  override readonly name = 'TabularReadError';

  constructor(
    /** The path that was being read. */
    readonly file: string,
    /** 1-based line of the text file, when the fault is on one line. */
    readonly line: number | undefined,
    /** What is wrong, without the file and line. */
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${basename(file)}${line === undefined ? '' : ` line ${line}`}: ${detail}`, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
