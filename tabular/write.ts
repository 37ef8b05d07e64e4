/** Writing typed rows as one Parquet or CSV object (batch scoring's output). Pure: bytes in memory. */
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { Cell, TableRow } from './row.js';

/** A column to write: its name and the type of all its non-null cells ('int' for whole numbers written as INT64). */
export interface WriteColumn {
  name: string;
  type: 'int' | 'number' | 'boolean' | 'string';
}

/** The rows as a Parquet file: one row group per `rowGroupSize` rows (default 100,000), nulls allowed in every column. */
export function toParquet(rows: readonly TableRow[], columns: readonly WriteColumn[], { rowGroupSize = 100_000 }: { rowGroupSize?: number } = {}): Buffer {
  const columnData: ColumnSource[] = columns.map(({ name, type }) => {
    const cells = rows.map((row) => row[name] ?? null);
    switch (type) {
      case 'int':
        return { name, type: 'INT64', data: cells.map((cell) => (cell === null ? null : BigInt(cell as number))) };
      case 'number':
        return { name, type: 'DOUBLE', data: cells.map((cell) => (typeof cell === 'number' ? cell : null)) };
      case 'boolean':
        return { name, type: 'BOOLEAN', data: cells.map((cell) => (typeof cell === 'boolean' ? cell : null)) };
      case 'string':
        return { name, type: 'STRING', data: cells.map((cell) => (cell === null ? null : String(cell))) };
    }
  });
  return Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize }));
}

/** The rows as CSV with a header line; null is an empty field, text holding a comma, quote or line break is quoted. */
export function toCsv(rows: readonly TableRow[], columns: readonly WriteColumn[]): Buffer {
  const lines = [columns.map(({ name }) => csvField(name)).join(',')];
  for (const row of rows) lines.push(columns.map(({ name }) => csvField(row[name] ?? null)).join(','));
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

function csvField(cell: Cell): string {
  if (cell === null) return '';
  const text = String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
