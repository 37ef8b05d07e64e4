import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchInput, isBatchScoreId } from '../../cli/score.js';
import { batchScoreWorkflowId, chunkBounds, chunkFirstRow } from '../../contracts/batch-score.js';
import { parseOutputUri } from '../../contracts/output-uri.js';
import { batchKeys, batchOutputKeys } from '../../storage/layout.js';
import { findMisfitCell } from '../../scoring/batch-rows.js';
import type { TableRow } from '../../tabular/index.js';
import { readRows } from '../../tabular/index.js';
import type { WriteColumn } from '../../tabular/write.js';
import { toCsv, toParquet } from '../../tabular/write.js';

const workspace = await mkdtemp(join(tmpdir(), 'ctrain-batch-unit-'));
afterAll(() => rm(workspace, { recursive: true, force: true }));

const columns: WriteColumn[] = [
  { name: 'row_id', type: 'int' },
  { name: 'score', type: 'number' },
  { name: 'weather', type: 'string' },
  { name: 'wet', type: 'boolean' },
];
const rows: TableRow[] = [
  { row_id: 0, score: 0.25, weather: 'rain, heavy', wet: true },
  { row_id: 1, score: -3.5, weather: null, wet: false },
  { row_id: 9_000_000_000, score: 12.125, weather: 'say "sun"', wet: null },
];

async function readBack(name: string, body: Buffer, format: 'csv' | 'parquet'): Promise<TableRow[]> {
  const path = join(workspace, name);
  await writeFile(path, body);
  const read: TableRow[] = [];
  for await (const row of readRows(path, format)) read.push(row);
  return read;
}

describe('batch output writers', () => {
  it('write Parquet that the Parquet reader reads back cell for cell, nulls and 64-bit row ids included', async () => {
    expect(await readBack('out.parquet', toParquet(rows, columns), 'parquet')).toEqual(rows);
  });

  it('write CSV with a header that the CSV reader reads back, quoting commas and quotes', async () => {
    const body = toCsv(rows, columns);
    expect(body.toString('utf8').split('\n')[0]).toBe('row_id,score,weather,wet');
    expect(await readBack('out.csv', body, 'csv')).toEqual(rows);
  });
});

describe('batch score contracts', () => {
  it('parse an s3 output URI into bucket and prefix, and refuse anything else naming it', () => {
    expect(parseOutputUri('s3://scores/nightly/churn/')).toEqual({ bucket: 'scores', key: 'nightly/churn' });
    expect(parseOutputUri('s3://scores')).toEqual({ bucket: 'scores', key: '' });
    expect(() => parseOutputUri('/tmp/out')).toThrow('Output "/tmp/out" must be s3://bucket/prefix');
    expect(() => parseOutputUri('s3://scores/a/../b')).toThrow('must not contain');
    expect(() => parseOutputUri('s3://ctrain-registry/flight-delay')).toThrow('Output "s3://ctrain-registry/flight-delay" is in ctrain-registry, a bucket ctrain keeps its own objects in');
  });

  it('derive every key from the run id and the chunk index', () => {
    const runId = batchScoreWorkflowId('churn', '2026-12-02T15:40:00.123Z');
    expect(runId).toBe('churn.score.20261202T154000123Z');
    expect(batchKeys.chunk(runId, 7)).toEqual({ bucket: 'ctrain-artifacts', key: `batch/${runId}/chunks/000007.jsonl` });
    expect(batchKeys.done(runId, 7).key).toBe(`batch/${runId}/done/000007.json`);
    expect(batchOutputKeys.part({ bucket: 'out', key: 'nightly/' }, runId, 7, 'parquet')).toEqual({ bucket: 'out', key: `nightly/${runId}/part-000007.parquet` });
    expect(batchOutputKeys.part({ bucket: 'out', key: '' }, runId, 0, 'csv').key).toBe(`${runId}/part-000000.csv`);
    expect(batchOutputKeys.manifest({ bucket: 'out', key: 'nightly' }, runId).key).toBe(`nightly/${runId}/manifest.json`);
  });
});

describe('ctrain score options', () => {
  it('become the workflow input, with the output URI normalised', () => {
    expect(batchInput('churn', { input: 'rows.csv', output: 's3://scores/nightly/', version: '3', format: 'csv', chunkRows: '500', maxRejectShare: '0.2' })).toEqual({
      modelName: 'churn',
      input: 'rows.csv',
      output: 's3://scores/nightly',
      version: 3,
      format: 'csv',
      chunkRows: 500,
      maxRejectShare: 0.2,
    });
  });

  it('refuse bad values, naming the flag', () => {
    expect(() => batchInput('churn', { input: 'rows.csv', output: 's3://scores', chunkRows: '0' })).toThrow('--chunk-rows must be a positive whole number, got "0"');
    expect(() => batchInput('churn', { input: 'rows.csv', output: 's3://scores', maxRejectShare: '1.5' })).toThrow('--max-reject-share must be a number from 0 to 1, got "1.5"');
    expect(() => batchInput('Churn', { input: 'rows.csv', output: 's3://scores' })).toThrow('model name "Churn"');
  });

  it('tell a batch score’s id from a training run’s, for ctrain watch', () => {
    expect(isBatchScoreId('churn.score.20261202T154000123Z')).toBe(true);
    expect(isBatchScoreId('churn.score-2026-12-02T02:00:00Z')).toBe(true);
    expect(isBatchScoreId('churn.train.20261202T154000123Z')).toBe(false);
    expect(isBatchScoreId('churn')).toBe(false);
  });
});

describe('Parquet chunk bounds', () => {
  it('split each row group into the fewest near-equal chunks of at most chunkRows, never across groups', () => {
    expect(chunkBounds([500, 500, 461], 200)).toEqual([0, 167, 333, 500, 667, 833, 1000, 1154, 1307, 1461]);
    expect(chunkBounds([272_727, 272_727], 100_000)).toEqual([0, 90_909, 181_818, 272_727, 363_636, 454_545, 545_454]);
  });

  it('keep a group whole when it fits, and give an empty file or group no chunk', () => {
    expect(chunkBounds([100, 40], 100)).toEqual([0, 100, 140]);
    expect(chunkBounds([], 100)).toEqual([0]);
    expect(chunkBounds([0, 10], 100)).toEqual([0, 10]);
  });

  it('give each chunk’s first row from the bounds, or from chunkRows for a JSON Lines plan', () => {
    expect(chunkFirstRow({ chunkRows: 200, parquet: { object: { bucket: 'b', key: 'k' }, bounds: [0, 167, 333] } }, 2)).toBe(333);
    expect(chunkFirstRow({ chunkRows: 200 }, 2)).toBe(400);
  });
});

describe('output cells that do not fit their column', () => {
  const columns: WriteColumn[] = [
    { name: 'row_id', type: 'int' },
    { name: 'id', type: 'number' },
    { name: 'flag', type: 'boolean' },
    { name: 'note', type: 'string' },
  ];

  it('are found, with the row, column, type and value: Parquet would write them as null', () => {
    const rows: TableRow[] = [
      { row_id: 0, id: 1, flag: true, note: 'a' },
      { row_id: 1, id: null, flag: null, note: 3 },
      { row_id: 2, id: '9223372036854775807', flag: false, note: null },
    ];
    expect(findMisfitCell(rows, columns)).toEqual({ rowId: 2, column: 'id', type: 'number', cell: '9223372036854775807' });
    expect(findMisfitCell([{ row_id: 5, id: 2, flag: 'yes', note: null }], columns)).toEqual({ rowId: 5, column: 'flag', type: 'boolean', cell: 'yes' });
  });

  it('are none when every cell fits or is null (any value fits a text column)', () => {
    expect(findMisfitCell(rows.map((row) => ({ ...row, id: 1, flag: null, note: 7 })), columns)).toBeUndefined();
  });
});
