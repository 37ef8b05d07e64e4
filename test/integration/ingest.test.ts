import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { createIngestActivities } from '../../activities/ingest.js';
import type { IngestManifest } from '../../contracts/pipeline-run.js';
import type { PipelineSpec } from '../../contracts/pipeline-spec.js';
import { BUCKETS } from '../../contracts/stack.js';
import { pullDatasetVersion } from '../../activities/dataset.js';
import { keptDatasetPath } from '../../activities/dataset-cache.js';
import { datasetRemote, Dvc, DvcError } from '../../infra/dvc.js';
import { loadPipeline } from '../../pipelines/index.js';
import { pseudonymize } from '../../privacy/pseudonym.js';
import type { TableRow } from '../../tabular/row.js';
import type { HttpSource } from '../support/http-source.js';
import { serveHttpSource } from '../support/http-source.js';
import { snapshotRows } from '../support/snapshot-rows.js';
import { ObjectStore } from '../../storage/gateway.js';
import { datasetKeys } from '../../storage/layout.js';

const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
const dvc = new Dvc(stack.tools.dvc, datasetRemote(stack.minio));
const activities = createIngestActivities({ storage, dvc });
const baseSpec = loadPipeline('seattle-temperature');
const scratchDirs: string[] = [];

/** A copy of a shipped spec with a unique name (so meta/<name>/ is this test's alone) and this source. */
function specFor(source: PipelineSpec['source']): PipelineSpec {
  return { ...baseSpec, name: `ingest-test-${randomUUID().slice(0, 8)}`, source };
}

/** Runs the activity with a Temporal activity context, as a worker would; expected failures are not logged. */
function runIngest(spec: PipelineSpec, ingest = activities): Promise<IngestManifest> {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(() => ingest.ingest({ spec }));
}

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ctrain-ingest-test-'));
  scratchDirs.push(dir);
  return dir;
}

async function scratchFile(name: string, content: string): Promise<string> {
  const path = join(await scratchDir(), name);
  await writeFile(path, content);
  return path;
}

async function listKeys(bucket: string, prefix: string): Promise<string[]> {
  return storage.listKeys({ bucket, prefix });
}

interface DvcFile {
  outs: { md5: string; size: number; path: string }[];
}

/**
 * Checks what ingest left in MinIO: the snapshot (Parquet, one row per source row, md5 = version)
 * and the `.dvc` file recording that version. Returns the snapshot's rows.
 */
async function expectStoredVersion(manifest: IngestManifest, rows: number): Promise<TableRow[]> {
  expect(manifest.rows).toBe(rows);
  expect(manifest.datasetVersion).toMatch(/^[0-9a-f]{32}$/);
  expect(manifest.snapshot).toEqual({
    bucket: BUCKETS.datasets,
    key: `dvc/files/md5/${manifest.datasetVersion.slice(0, 2)}/${manifest.datasetVersion.slice(2)}`,
  });

  const snapshot = await storage.getBuffer(manifest.snapshot);
  expect(createHash('md5').update(snapshot).digest('hex')).toBe(manifest.datasetVersion);
  expect(snapshot.length).toBe(manifest.bytes);
  const read = await snapshotRows(snapshot);
  expect(read).toHaveLength(rows);

  expect(manifest.dvcFile.bucket).toBe(BUCKETS.datasets);
  const dvcFile = parse((await storage.getBuffer(manifest.dvcFile)).toString('utf8')) as DvcFile;
  expect(dvcFile.outs[0]?.md5).toBe(manifest.datasetVersion);
  expect(dvcFile.outs[0]?.size).toBe(snapshot.length);
  expect(dvcFile.outs[0]?.path).toMatch(/\.parquet$/);
  return read;
}

/** Awaits a promise that must reject with an ApplicationFailure and returns it. */
async function applicationFailure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

/** After any ingest: its workspace (DVC cache, downloaded source) is gone from the temp folder. */
async function expectNothingLeftLocally(spec: PipelineSpec): Promise<void> {
  const workspaces = (await readdir(tmpdir())).filter((name) => name.startsWith(`ctrain-ingest-${spec.name}-`));
  expect(workspaces).toEqual([]);
}

/** After a failed ingest: no `.dvc` file under the pipeline's prefix and no workspace left behind. */
async function expectNothingLeft(spec: PipelineSpec): Promise<void> {
  expect(await listKeys(BUCKETS.datasets, `meta/${spec.name}/`)).toEqual([]);
  await expectNothingLeftLocally(spec);
}

// A cache folder of this file's own: versions other processes keep would evict this file's.
beforeAll(async () => {
  process.env.CTRAIN_DATASET_CACHE = await scratchDir();
});
afterAll(async () => {
  delete process.env.CTRAIN_DATASET_CACHE;
  await Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The same typed table as CSV and as JSON Lines; `token` makes its content new to this run. */
function sameTable(token: string): { csv: string; jsonl: string; rows: TableRow[] } {
  const rows: TableRow[] = [
    { id: 1, city: 'Seattle', temp: 12.5, rainy: true, note: token },
    { id: 2, city: 'Portland', temp: -3, rainy: false, note: null },
    { id: 3, city: 'Boise', temp: 30.25, rainy: false, note: 'dry, hot' },
  ];
  const csv = 'id,city,temp,rainy,note\n1,Seattle,12.5,true,' + token + '\n2,Portland,-3,false,\n3,Boise,30.25,false,"dry, hot"\n';
  const jsonl = rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
  return { csv, jsonl, rows };
}

describe('ingest against real MinIO and DVC', () => {
  it('ingests CSV from a local path: typed rows, snapshot in the DVC remote, .dvc in MinIO', async () => {
    const table = sameTable(randomUUID());
    const spec = specFor({ uri: await scratchFile('weather.csv', table.csv), format: 'csv' });

    const manifest = await runIngest(spec);

    expect(manifest.step).toBe('ingest');
    expect(manifest.contentHash).toBe(manifest.datasetVersion);
    expect(manifest.dvcFile.key).toBe(`meta/${spec.name}/${manifest.datasetVersion}.dvc`);
    expect(await expectStoredVersion(manifest, 3)).toEqual(table.rows);
    await expectNothingLeftLocally(spec);
  });

  it('ingests JSON Lines from a file:// URL (percent-encoded path)', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({ i, label: `row ${i}`, even: i % 2 === 0, ratio: i / 8 }));
    const path = await scratchFile('my rows.jsonl', rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const uri = pathToFileURL(path).href;
    expect(uri).toContain('my%20rows.jsonl');

    const manifest = await runIngest(specFor({ uri, format: 'jsonl' }));

    expect(await expectStoredVersion(manifest, 250)).toEqual(rows);
  });

  it('ingests the first 2,000 rows of a Parquet file from an npm package', async () => {
    const spec = specFor({ uri: 'package://vega-datasets/data/flights-3m.parquet', format: 'parquet', limit: 2000 });

    const manifest = await runIngest(spec);

    const rows = await expectStoredVersion(manifest, 2000);
    for (const row of [rows[0], rows[1999]]) {
      expect(Object.keys(row ?? {}).sort()).toEqual(['date', 'delay', 'destination', 'distance', 'origin']);
      expect(typeof row?.distance).toBe('number');
      expect(typeof row?.origin).toBe('string');
    }
  });

  it('gives the same rows from CSV and from JSON Lines the same version, stored once', async () => {
    const table = sameTable(randomUUID());
    const fromCsv = await runIngest(specFor({ uri: await scratchFile('same.csv', table.csv), format: 'csv' }));
    const remoteKey = fromCsv.snapshot.key;
    const firstPush = (await storage.stat(fromCsv.snapshot))!;

    const fromJsonl = await runIngest(specFor({ uri: pathToFileURL(await scratchFile('same.jsonl', table.jsonl)).href, format: 'jsonl' }));

    expect(fromJsonl.datasetVersion).toBe(fromCsv.datasetVersion);
    expect(fromJsonl.snapshot).toEqual(fromCsv.snapshot);
    const md5 = fromCsv.datasetVersion;
    expect(await listKeys(BUCKETS.datasets, `dvc/files/md5/${md5.slice(0, 2)}/${md5.slice(2)}`)).toEqual([remoteKey]);
    // The second push found the object already there and did not upload it again.
    const afterSecond = (await storage.stat(fromCsv.snapshot))!;
    expect(afterSecond.lastModified).toEqual(firstPush.lastModified);
    expect(afterSecond.etag).toBe(firstPush.etag);
    // Each pipeline keeps its own .dvc file for the shared version.
    expect(fromJsonl.dvcFile.key).not.toBe(fromCsv.dvcFile.key);
    expect(await expectStoredVersion(fromJsonl, 3)).toEqual(table.rows);
  });

  it('gives the same rows as one JSON array (format json, pretty-printed, with a byte-order mark) the version JSON Lines gives them', async () => {
    const table = sameTable(randomUUID());
    const fromJsonl = await runIngest(specFor({ uri: await scratchFile('same.jsonl', table.jsonl), format: 'jsonl' }));
    const fromArray = await runIngest(specFor({ uri: await scratchFile('same.json', `\uFEFF${JSON.stringify(table.rows, null, 2)}\n`), format: 'json' }));

    expect(fromArray.datasetVersion).toBe(fromJsonl.datasetVersion);
    expect(await expectStoredVersion(fromArray, 3)).toEqual(table.rows);
  });

  it('gives the same rows as TSV or semicolon-separated text (source.delimiter) the version comma CSV gives them', async () => {
    const table = sameTable(randomUUID());
    const delimited = (delimiter: string): string =>
      [Object.keys(table.rows[0]!).join(delimiter), ...table.rows.map((row) => Object.values(row).map((cell) => (cell === null ? '' : String(cell))).join(delimiter))].join('\n') + '\n';
    const fromCsv = await runIngest(specFor({ uri: await scratchFile('same.csv', table.csv), format: 'csv' }));
    const fromTsv = await runIngest(specFor({ uri: await scratchFile('same.tsv', delimited('\t')), format: 'csv', delimiter: '\t' }));
    const fromSemicolons = await runIngest(specFor({ uri: await scratchFile('same-semicolons.csv', delimited(';')), format: 'csv', delimiter: ';' }));

    expect([fromTsv.datasetVersion, fromSemicolons.datasetVersion]).toEqual([fromCsv.datasetVersion, fromCsv.datasetVersion]);
    expect(await expectStoredVersion(fromTsv, 3)).toEqual(table.rows);
  });

  it('merges the objects of a * source of format json, arrays and JSON Lines alike, into the rows of one version', async () => {
    const table = sameTable(randomUUID());
    const dir = await scratchDir();
    await writeFile(join(dir, 'part-1.json'), JSON.stringify(table.rows.slice(0, 2), null, 1));
    await writeFile(join(dir, 'part-2.json'), `${JSON.stringify(table.rows[2])}\n`);
    const whole = await runIngest(specFor({ uri: await scratchFile('whole.jsonl', table.jsonl), format: 'jsonl' }));

    const merged = await runIngest(specFor({ uri: join(dir, 'part-*.json'), format: 'json' }));

    expect(merged.sourceObjects).toHaveLength(2);
    expect(merged.datasetVersion).toBe(whole.datasetVersion);
    expect(await expectStoredVersion(merged, 3)).toEqual(table.rows);
  });

  it('re-ingests bytes this pipeline has versioned without running DVC again, and versions changed bytes anew', async () => {
    const table = sameTable(randomUUID());
    const spec = specFor({ uri: await scratchFile('again.csv', table.csv), format: 'csv' });
    const first = await runIngest(spec);
    const again = await runIngest(spec);
    const changed = await runIngest({ ...spec, source: { ...spec.source, uri: await scratchFile('changed.csv', sameTable(randomUUID()).csv) } });

    // The version ingest computes itself is DVC's own md5: otherwise the second ingest would not find it.
    expect(first.reusedVersion).toBe(false);
    expect(again.reusedVersion).toBe(true);
    expect(again.datasetVersion).toBe(first.datasetVersion);
    expect(again.snapshot).toEqual(first.snapshot);
    expect(again.dvcFile).toEqual(first.dvcFile);
    expect(changed.reusedVersion).toBe(false);
    expect(changed.datasetVersion).not.toBe(first.datasetVersion);
    expect(await expectStoredVersion(again, 3)).toEqual(table.rows);
  });

  it('stores a version DVC reads as its own: the .dvc file dvc add writes, byte for byte, and dvc pull fetches and checks the bytes', async () => {
    const table = sameTable(randomUUID());
    const manifest = await runIngest(specFor({ uri: await scratchFile('pull.csv', table.csv), format: 'csv' }));
    const dvcFile = await storage.getBuffer(manifest.dvcFile);
    const out = (parse(dvcFile.toString('utf8')) as DvcFile).outs[0]!;

    // Another worker with DVC itself: an empty folder, nothing but MinIO in common with ingest.
    const pulled = await dvc.pullVersion(join(await scratchDir(), 'w'), 'dataset.dvc', dvcFile);
    const bytes = await readFile(pulled);
    expect(createHash('md5').update(bytes).digest('hex')).toBe(manifest.datasetVersion);
    expect(await snapshotRows(bytes)).toEqual(table.rows);

    // `dvc add` of the same bytes under the same name records them in the same words.
    const added = await scratchDir();
    await dvc.init(added);
    await writeFile(join(added, out.path), bytes);
    await dvc.add(added, out.path);
    expect(await readFile(join(added, `${out.path}.dvc`), 'utf8')).toBe(dvcFile.toString('utf8'));
  });

  it('reads versions as workers do, into a clean folder: its own and one DVC pushed, each checked against its md5', async () => {
    const table = sameTable(randomUUID());
    const manifest = await runIngest(specFor({ uri: await scratchFile('read.csv', table.csv), format: 'csv' }));
    const out = (parse((await storage.getBuffer(manifest.dvcFile)).toString('utf8')) as DvcFile).outs[0];

    const fresh = await scratchDir();
    expect(await readdir(fresh)).toEqual([]);
    const pulled = await pullDatasetVersion(storage, manifest, fresh);
    expect(pulled).toBe(join(fresh, 'dataset', out?.path ?? ''));
    expect(createHash('md5').update(await readFile(pulled)).digest('hex')).toBe(manifest.datasetVersion);
    expect(await snapshotRows(await readFile(pulled))).toEqual(table.rows);

    // The copy this machine keeps is read only while it is still the version: damaged, the remote's is read.
    const kept = keptDatasetPath(manifest.datasetVersion);
    expect(createHash('md5').update(await readFile(kept)).digest('hex')).toBe(manifest.datasetVersion);
    const bytes = await readFile(pulled);
    await rm(kept);
    await writeFile(kept, Buffer.alloc(bytes.length, 1), { mode: 0o600 });
    expect(await readFile(await pullDatasetVersion(storage, manifest, await scratchDir()))).toEqual(bytes);

    // A version `dvc add --to-remote` pushed, its .dvc file kept where ingest keeps them.
    const pushing = await scratchDir();
    await dvc.init(pushing);
    const text = `pushed by dvc ${randomUUID()}\n`;
    await writeFile(join(pushing, 'pushed.jsonl'), text);
    const version = await dvc.addToRemote(pushing, 'pushed.jsonl');
    const dvcFile = datasetKeys.dvcFile(`dvc-pushed-${randomUUID().slice(0, 8)}`, version.md5);
    await storage.putBuffer(dvcFile, await readFile(join(pushing, 'pushed.jsonl.dvc')));
    expect(await readFile(await pullDatasetVersion(storage, { dvcFile }, await scratchDir()), 'utf8')).toBe(text);
  });

  it('refuses to read a version whose .dvc file leads out of the folder, whose bytes are missing, or whose bytes do not match their md5', async () => {
    const put = async (text: string) => {
      const dvcFile = datasetKeys.dvcFile(`dvc-bad-${randomUUID().slice(0, 8)}`, '0123456789abcdef0123456789abcdef');
      await storage.putBuffer(dvcFile, Buffer.from(text));
      return { dvcFile };
    };
    const escaping = await put('outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 3\n  hash: md5\n  path: ../../etc/passwd\n');
    await expect(pullDatasetVersion(storage, escaping, await scratchDir())).rejects.toThrow('records the output "../../etc/passwd", which is not a plain file name');
    const md5 = createHash('md5').update(randomUUID()).digest('hex');
    const missing = await put(`outs:\n- md5: ${md5}\n  size: 3\n  hash: md5\n  path: missing.parquet\n`);
    await expect(pullDatasetVersion(storage, missing, await scratchDir())).rejects.toThrow();
    // Bytes at a version's address that are not that version: said as corruption, not read.
    await storage.putBuffer(datasetKeys.dvcRemoteObject(md5), Buffer.from('not these'));
    await expect(pullDatasetVersion(storage, missing, await scratchDir())).rejects.toThrow(`dataset version ${md5} is corrupt in the remote: its 9 bytes have md5`);
  });

  it('refuses a .dvc file whose output would leave the workspace, and a version the remote lacks', async () => {
    const puller = new Dvc(stack.tools.dvc, datasetRemote(stack.minio));
    const escaping = Buffer.from('outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 3\n  hash: md5\n  path: ../../etc/passwd\n');
    await expect(puller.pullVersion(join(await scratchDir(), 'w'), 'dataset.dvc', escaping)).rejects.toThrow('records the output "../../etc/passwd", which is not a plain file name');
    const missing = Buffer.from('outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 3\n  hash: md5\n  path: missing.jsonl\n');
    await expect(puller.pullVersion(join(await scratchDir(), 'w'), 'dataset.dvc', missing)).rejects.toThrow(DvcError);
  });

  describe('from an http server', () => {
    let server: HttpSource;
    const table = sameTable(randomUUID());

    beforeAll(async () => {
      server = await serveHttpSource({
        '/x.csv': { body: table.csv, chunks: 4 },
        '/broken.csv': { status: 500, body: 'internal error' },
      });
    });
    afterAll(async () => {
      await server.close();
    });

    it('streams an http:// CSV and versions it', async () => {
      const spec = specFor({ uri: server.url('/x.csv'), format: 'csv' });

      const manifest = await runIngest(spec);

      expect(await expectStoredVersion(manifest, 3)).toEqual(table.rows);
      await expectNothingLeftLocally(spec);
    });

    it('fails a 404 as non-retryable SourceNotFound naming the URL', async () => {
      const spec = specFor({ uri: server.url('/missing.csv'), format: 'csv' });

      const failure = await applicationFailure(runIngest(spec));

      expect(failure.type).toBe('SourceNotFound');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(server.url('/missing.csv'));
      expect(failure.message).toContain('404');
      await expectNothingLeft(spec);
    });

    it('fails a 500 with an error Temporal retries', async () => {
      const spec = specFor({ uri: server.url('/broken.csv'), format: 'csv' });

      const error = await runIngest(spec).then(
        () => undefined,
        (caught: unknown) => caught,
      );

      expect(error).toBeInstanceOf(Error);
      expect(error instanceof ApplicationFailure && error.nonRetryable).toBe(false);
      expect((error as Error).message).toContain('500');
      expect((error as Error).message).toContain(server.url('/broken.csv'));
      await expectNothingLeft(spec);
    });
  });

  it('ingests a CSV from s3://ctrain-datasets/<key>', async () => {
    const table = sameTable(randomUUID());
    const key = `tests/ingest/${randomUUID()}/weather.csv`;
    await storage.putBuffer({ bucket: BUCKETS.datasets, key }, Buffer.from(table.csv));
    const spec = specFor({ uri: `s3://${BUCKETS.datasets}/${key}`, format: 'csv' });

    const manifest = await runIngest(spec);

    expect(await expectStoredVersion(manifest, 3)).toEqual(table.rows);
    await expectNothingLeftLocally(spec);
  });

  describe('bad sources fail non-retryably and push nothing', () => {
    it('a missing local file: SourceNotFound naming the path', async () => {
      const path = join(await scratchDir(), 'absent.csv');
      const spec = specFor({ uri: path, format: 'csv' });

      const failure = await applicationFailure(runIngest(spec));

      expect(failure.type).toBe('SourceNotFound');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(path);
      await expectNothingLeft(spec);
    });

    it('a file missing from an installed package: SourceNotFound naming it', async () => {
      const spec = specFor({ uri: 'package://vega-datasets/data/no-such-file.csv', format: 'csv' });

      const failure = await applicationFailure(runIngest(spec));

      expect(failure.type).toBe('SourceNotFound');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain('no-such-file.csv');
      await expectNothingLeft(spec);
    });

    it('malformed JSON Lines: UnreadableSource naming the line', async () => {
      const path = await scratchFile('broken.jsonl', '{"a":1}\n{"a":2}\n{"a":3,\n{"a":4}\n');
      const spec = specFor({ uri: path, format: 'jsonl' });

      const failure = await applicationFailure(runIngest(spec));

      expect(failure.type).toBe('UnreadableSource');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain('broken.jsonl line 3');
      await expectNothingLeft(spec);
    });

    it('a JSON array read as JSON Lines: UnreadableSource saying to set format json', async () => {
      const spec = specFor({ uri: await scratchFile('array.jsonl', '[\n  {"a": 1}\n]\n'), format: 'jsonl' });
      const failure = await applicationFailure(runIngest(spec));

      expect(failure.type).toBe('UnreadableSource');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toMatch(/array\.jsonl line 1: .*set the spec's source\.format to 'json'$/);
      await expectNothingLeft(spec);
    });

    it('a header-only CSV: EmptyDataset', async () => {
      const path = await scratchFile('empty.csv', 'id,city,temp\n');
      const spec = specFor({ uri: path, format: 'csv' });

      const failure = await applicationFailure(runIngest(spec));

      expect(failure.type).toBe('EmptyDataset');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(path);
      await expectNothingLeft(spec);
    });
  });

  describe('personal data', () => {
    const key = Buffer.from('ingest-test-pseudonym-key-32-bytes!');

    it('writes only the keyed hash of a personal column to the snapshot, the same value to the same hash', async () => {
      const table = sameTable(randomUUID());
      const spec: PipelineSpec = { ...specFor({ uri: await scratchFile('weather.csv', table.csv), format: 'csv' }), personal: ['city'] };
      const withKey = createIngestActivities({ storage, dvc, pseudonymKey: key });

      const manifest = await runIngest(spec, withKey);
      const stored = await expectStoredVersion(manifest, 3);
      const snapshot = (await storage.getBuffer(manifest.snapshot)).toString('utf8');

      expect(stored.map((row) => row.city)).toEqual(table.rows.map((row) => pseudonymize(row.city, key)));
      expect(stored.map(({ city: _city, ...rest }) => rest)).toEqual(table.rows.map(({ city: _city, ...rest }) => rest));
      for (const city of ['Seattle', 'Portland', 'Boise']) expect(snapshot).not.toContain(city);
    });

    it('refuses, before reading anything, a spec with personal columns on a worker without a key', async () => {
      const spec: PipelineSpec = { ...specFor({ uri: await scratchFile('weather.csv', sameTable(randomUUID()).csv), format: 'csv' }), personal: ['city'] };

      const failure = await applicationFailure(runIngest(spec));

      expect(failure.type).toBe('PipelineSpecError');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(`${spec.name} marks city as personal data, and this worker has no pseudonym key`);
      await expectNothingLeft(spec);
    });
  });
});
