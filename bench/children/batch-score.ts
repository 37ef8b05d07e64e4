/**
 * The batch-scoring baseline: one Node process, no Temporal, scoring every row of a file with a
 * registered version in chunks of the workflow's size, with the same validation, transform and
 * scoring code as the workflow's chunks, and writing each chunk's Parquet to the parent's MinIO.
 * Prints rows, seconds, rows per second and the process's peak resident memory.
 */
import { BATCH_DEFAULTS } from '../../contracts/batch-score.js';
import { loadRegistry } from '../../infra/registry-store.js';
import { selectBackend } from '../../model/index.js';
import { ADDED_COLUMNS, mergeColumnType, outputName, scoreBatchRows } from '../../scoring/batch-rows.js';
import { loadVersion } from '../../scoring/loaded-version.js';
import type { TableRow } from '../../tabular/index.js';
import { detectFormat, readRows } from '../../tabular/index.js';
import { toParquet } from '../../tabular/write.js';
import { peakRssMiB } from '../support/child.js';
import { batchOutputKeys } from '../../storage/layout.js';
import { ObjectStore } from '../../storage/gateway.js';

const [endpoint, accessKey, secretKey, modelName, versionArg, input, bucket] = process.argv.slice(2);
const storage = new ObjectStore({ endpoint: endpoint!, accessKey: accessKey!, secretKey: secretKey! });
const started = performance.now();
const backend = await selectBackend();
const registry = await loadRegistry(storage, modelName!);
const entry = registry?.versions.find((candidate) => candidate.version === Number(versionArg));
if (!entry) throw new Error(`${modelName} has no version ${versionArg}`);
const version = await loadVersion(storage, entry);
await storage.ensureBucket(bucket!);

let rows = 0;
let scoredRows = 0;
let part = 0;
let pending: TableRow[] = [];
const flush = async (): Promise<void> => {
  const { scored } = await scoreBatchRows(version, pending, rows - pending.length);
  const types = new Map<string, ReturnType<typeof mergeColumnType>>();
  for (const row of pending) for (const [column, cell] of Object.entries(row)) types.set(column, mergeColumnType(types.get(column), cell));
  const columns = [...ADDED_COLUMNS, ...[...types].map(([name, type]) => ({ name: outputName(name), type: type ?? ('string' as const) }))];
  await storage.putBuffer(batchOutputKeys.part({ bucket: bucket!, key: '' }, 'one-process', part++, 'parquet'), toParquet(scored, columns), 'application/vnd.apache.parquet');
  scoredRows += scored.length;
  pending = [];
};
for await (const row of readRows(input!, detectFormat(input!))) {
  pending.push(row);
  rows += 1;
  if (pending.length === BATCH_DEFAULTS.chunkRows) await flush();
}
if (pending.length > 0) await flush();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ backend: backend.name, rows, scored: scoredRows, parts: part, seconds, rowsPerSecond: rows / seconds, peakRssMiB: peakRssMiB() }));
