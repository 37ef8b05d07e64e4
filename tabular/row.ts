/** One cell of a tabular row, after the reader has typed it. `null` means missing. */
export type Cell = string | number | boolean | null;

/** One row of a table as a reader typed it: column name → cell. A column absent from a row counts as null. */
export type TableRow = Record<string, Cell>;

/**
 * Turns a value decoded from JSON or Parquet into a cell. Rows are flat, so nested values
 * (lists, structs, JSON) become their JSON text rather than being dropped.
 */
export function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isNaN(value) ? null : value;
    case 'bigint':
      // Past 2^53 a number would silently change the value (think 64-bit ids): keep the digits.
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value, (_key, nested: unknown) => (typeof nested === 'bigint' ? nested.toString() : nested));
}

/** The message for a ±Infinity cell, which no reader lets through: the snapshot (JSON) cannot hold it, and nothing can learn from it. */
export function nonFinite(column: string, value: number): string {
  return `column ${JSON.stringify(column)} is ${value > 0 ? '' : '-'}Infinity; write a finite number, or leave the cell empty for a missing value`;
}
