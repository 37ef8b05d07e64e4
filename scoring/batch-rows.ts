/**
 * Scoring one batch of rows the way the model server does, rejecting invalid rows one by one:
 * the core of a batch-score chunk, shared by the scoreChunk activity and the batch benchmark's
 * one-process baseline, so both measure the same work.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { outOfRangeRule, validateServingRow } from '../features/serving-row.js';
import type { BatchColumnType } from '../contracts/batch-score.js';
import type { TableRow } from '../tabular/index.js';
import type { WriteColumn } from '../tabular/write.js';
import type { LoadedVersion } from './loaded-version.js';
import { clipRows, scoreValidRows } from './scoring.js';

/** Rows scored per synchronous step; between steps the caller may heartbeat and other work runs. */
const SCORE_STEP = 4096;

/** Columns batch scoring adds to every output row, before the input's own. */
export const ADDED_COLUMNS: readonly WriteColumn[] = [
  { name: 'row_id', type: 'int' },
  { name: 'model_version', type: 'int' },
  { name: 'score', type: 'number' },
];

export interface BatchReject {
  row_id: number;
  reason: string;
  row: TableRow;
}

/**
 * Scores `rows` (ids from `firstRow` on) with `version`: each valid row comes back with row_id,
 * model_version and score before its input columns; each invalid one is a reject with the
 * server's reasons. `scoring` (default `rows`) is what the model sees, e.g. rows with personal
 * columns pseudonymized; the output keeps `rows` as they came. Numbers past their column's bounds
 * follow the version's `deploy.outOfRange` rule as in serving: the row rejected, or the bound scored.
 */
export async function scoreBatchRows(
  version: LoadedVersion,
  rows: readonly TableRow[],
  firstRow: number,
  { scoring = rows, onStep }: { scoring?: readonly TableRow[]; onStep?: (rowsScored: number) => void } = {},
): Promise<{ scored: TableRow[]; rejects: BatchReject[] }> {
  const valid: number[] = [];
  const rejects: BatchReject[] = [];
  const rule = outOfRangeRule(version.spec.spec.deploy.outOfRange);
  scoring.forEach((row, i) => {
    const problems = validateServingRow(version.transform, row, rule);
    if (problems.length === 0) valid.push(i);
    else rejects.push({ row_id: firstRow + i, reason: problems.map((p) => `${p.field} ${p.message}`).join('; '), row: rows[i]! });
  });
  const scores = new Float32Array(valid.length);
  for (let start = 0; start < valid.length; start += SCORE_STEP) {
    const step = valid.slice(start, start + SCORE_STEP);
    scores.set(scoreValidRows(version, clipRows(version, step.map((i) => scoring[i]!)).scoring).scores, start);
    onStep?.(start + step.length);
    await yieldToLoop();
  }
  const scored = valid.map((i, k) => ({ row_id: firstRow + i, model_version: version.version, score: scores[k]!, ...renameInput(rows[i]!) }));
  return { scored, rejects };
}

/** An input column named like an added one is written as `input_<name>`. */
export const outputName = (name: string): string => (ADDED_COLUMNS.some((added) => added.name === name) ? `input_${name}` : name);
const renameInput = (row: TableRow): TableRow => Object.fromEntries(Object.entries(row).map(([name, cell]) => [outputName(name), cell]));

/** The type a column is written as, given the type so far and one more cell: mixed types are written as text. */
export function mergeColumnType(known: BatchColumnType | undefined, cell: unknown): BatchColumnType | undefined {
  if (cell === null || cell === undefined) return known;
  const type: BatchColumnType = typeof cell === 'number' ? 'number' : typeof cell === 'boolean' ? 'boolean' : 'string';
  return known === undefined || known === type ? type : 'string';
}

/** The first output cell whose value does not fit its column's type (toParquet would write it as null), if any. */
export function findMisfitCell(rows: readonly TableRow[], columns: readonly WriteColumn[]): { rowId: unknown; column: string; type: WriteColumn['type']; cell: unknown } | undefined {
  for (const row of rows) {
    for (const { name, type } of columns) {
      const cell = row[name];
      if (cell === null || cell === undefined || type === 'string') continue;
      const fits = type === 'boolean' ? typeof cell === 'boolean' : typeof cell === 'number';
      if (!fits) return { rowId: row.row_id, column: name, type, cell };
    }
  }
  return undefined;
}
