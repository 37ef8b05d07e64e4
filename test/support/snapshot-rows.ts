import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRows } from '../../tabular/read.js';
import type { TableRow } from '../../tabular/row.js';

/** The rows of a Parquet snapshot's bytes, as the workers' row reader reads them. */
export async function snapshotRows(bytes: Buffer): Promise<TableRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'ctrain-snapshot-rows-'));
  try {
    const path = join(dir, 'snapshot.parquet');
    await writeFile(path, bytes);
    const rows: TableRow[] = [];
    for await (const row of readRows(path, 'parquet')) rows.push(row);
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
