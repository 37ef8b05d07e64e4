import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createIngestActivities } from '../../activities/ingest.js';
import type { IngestManifest } from '../../contracts/pipeline-run.js';
import type { PipelineSpec } from '../../contracts/pipeline-spec.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import { loadPipeline, parsePipelineSpec, PipelineSpecError } from '../../pipelines/index.js';
import { PROJECT_ROOT } from '../../stack/paths.js';
import { ObjectStore } from '../../storage/gateway.js';
import type { CatalogueEntry } from '../support/bad-input-catalogue.js';
import { catalogueTable, recordBadInput } from '../support/bad-input-catalogue.js';
import { snapshotRows } from '../support/snapshot-rows.js';

/**
 * Source text in encodings other than UTF-8, through the real ingest activity on MinIO and DVC:
 * the same rows in any encoding ingest reads give the same dataset version; what it cannot read
 * is refused, non-retryable, naming what the file is.
 */
const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
const ingest = createIngestActivities({ storage, dvc: new Dvc(stack.tools.dvc, datasetRemote(stack.minio)) });
const entries: CatalogueEntry[] = [];
let scratch: string;

// Seattle's weather with non-ASCII text: é is one byte in Windows-1252, the en dash 0x96 (where Latin-1 has a control character).
const [header, ...lines] = readFileSync(join(PROJECT_ROOT, 'node_modules/vega-datasets/data/seattle-weather.csv'), 'utf8').trim().split('\n');
const TABLE = [header, ...lines.slice(0, 60).map((line) => line.replace(/,sun$/, ',soleil–été'))].join('\n') + '\n';

/** Windows-1252 bytes of `text`, which holds ASCII, Latin-1 letters and the en dash only. */
const windows1252 = (text: string): Buffer => Buffer.from([...text].map((c) => (c === '–' ? 0x96 : c.charCodeAt(0))));
const utf16le = (text: string): Buffer => Buffer.from(text, 'utf16le');

async function file(name: string, content: Buffer): Promise<string> {
  const path = join(scratch, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  return path;
}

function runIngest(source: PipelineSpec['source']): Promise<IngestManifest> {
  const spec: PipelineSpec = { ...loadPipeline('seattle-temperature'), name: 'encodings', source };
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(() => ingest.ingest({ spec }));
}

async function refusal(source: PipelineSpec['source']): Promise<ApplicationFailure> {
  const failure = await runIngest(source).then(() => undefined, (error: unknown) => error);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return failure as ApplicationFailure;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), `ctrain-encodings-${randomUUID().slice(0, 8)}-`));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  console.log(catalogueTable('source encodings', entries));
});

describe('source text in other encodings', () => {
  it('gives the same dataset version for the same rows in UTF-8, UTF-16LE with its mark, UTF-16BE without, and Windows-1252 named by source.encoding', async () => {
    const utf8 = await runIngest({ uri: await file('utf8.csv', Buffer.from(TABLE)), format: 'csv' });
    const others = [
      await runIngest({ uri: await file('utf16le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(TABLE)])), format: 'csv' }),
      await runIngest({ uri: await file('utf16be.csv', utf16le(TABLE).swap16()), format: 'csv' }),
      await runIngest({ uri: await file('cp1252.csv', windows1252(TABLE)), format: 'csv', encoding: 'windows-1252' }),
    ];

    expect(utf8.rows).toBe(60);
    expect(others.map((manifest) => manifest.datasetVersion)).toEqual([utf8.datasetVersion, utf8.datasetVersion, utf8.datasetVersion]);
    const rows = await snapshotRows(await storage.getBuffer(utf8.snapshot));
    expect(rows.filter((row) => row.weather === 'soleil–été').length).toBeGreaterThan(0);
    entries.push(recordBadInput('UTF-16 (LE with mark, BE without)', 'tolerated (ingest decodes it)', 'none', 'n/a'));
    entries.push(recordBadInput('Windows-1252 + source.encoding', 'tolerated (decoded as named)', 'none', 'n/a'));
  });

  it('reads JSON Lines in UTF-16 as the same rows as in UTF-8', async () => {
    const jsonl = lines.slice(0, 20).map((line) => JSON.stringify({ line: line.replace(/,sun$/, ',soleil–été') })).join('\n') + '\n';
    const utf8 = await runIngest({ uri: await file('utf8.jsonl', Buffer.from(jsonl)), format: 'jsonl' });
    const utf16 = await runIngest({ uri: await file('utf16be.jsonl', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16le(jsonl).swap16()])), format: 'jsonl' });

    expect([utf16.rows, utf16.datasetVersion]).toEqual([20, utf8.datasetVersion]);
  });

  it('reads each object of a * source in its own encoding: UTF-8, UTF-16LE and UTF-16BE objects merge into the rows of one UTF-8 file', async () => {
    const [first, second, third] = [TABLE.split('\n').slice(0, 21), [header, ...TABLE.split('\n').slice(21, 41)], [header, ...TABLE.split('\n').slice(41)]].map((part) => part.join('\n').replace(/\n*$/, '\n'));
    await file('mixed/part-1.csv', Buffer.from(first!));
    await file('mixed/part-2.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(second!)]));
    await file('mixed/part-3.csv', utf16le(third!).swap16());

    const merged = await runIngest({ uri: join(scratch, 'mixed', 'part-*.csv'), format: 'csv' });
    const whole = await runIngest({ uri: join(scratch, 'utf8.csv'), format: 'csv' });

    expect([merged.rows, merged.sourceObjects?.length, merged.datasetVersion]).toEqual([60, 3, whole.datasetVersion]);
    entries.push(recordBadInput('* objects in mixed encodings', 'tolerated (each object decoded)', 'none', 'n/a'));
  });

  it('refuses Windows-1252 text with no source.encoding, naming the byte and suggesting source.encoding', async () => {
    const path = await file('cp1252-unnamed.csv', windows1252(TABLE));

    const failure = await refusal({ uri: path, format: 'csv' });

    // Recorded already by bad-inputs.test.ts as "non-UTF-8 bytes (Latin-1)"; here for the suggestion.
    expect([failure.type, failure.nonRetryable]).toEqual(['UnreadableSource', true]);
    expect(failure.message).toMatch(/cp1252-unnamed\.csv line \d+: byte 0x96 is not UTF-8; re-export the file as UTF-8, or name its encoding in the spec's source\.encoding \(e\.g\. 'windows-1252'/);
  });

  // Every row of Seattle's weather twice (over 64 KiB), with one Windows-1252 é at the start of a line past the first chunk read.
  const doubled = [header!, ...lines, ...lines];
  const badLine = Math.floor(doubled.length * 0.75);
  const beforeBad = `${doubled.slice(0, badLine).join('\n')}\n`;

  const refused: { input: string; source: () => Promise<PipelineSpec['source']>; message: RegExp }[] = [
    {
      input: 'large file with invalid UTF-8 halfway',
      source: async () => ({ uri: await file('mid.csv', Buffer.concat([Buffer.from(beforeBad), Buffer.from([0xe9]), Buffer.from(`${doubled.slice(badLine).join('\n')}\n`)])), format: 'csv' }),
      message: new RegExp(`mid\\.csv line ${badLine + 1}: byte 0xE9 is not UTF-8; re-export the file as UTF-8, or name its encoding .*; the first byte that is not UTF-8 is at byte offset ${Buffer.byteLength(beforeBad)} of the file$`),
    },
    {
      input: 'windows-1252 source.encoding over UTF-8 text',
      source: async () => ({ uri: await file('utf8-named-1252.csv', Buffer.from(TABLE)), format: 'csv', encoding: 'windows-1252' }),
      message: /utf8-named-1252\.csv line \d+: source\.encoding names windows-1252, but the file is UTF-8 .*\("é" as "Ã©"\); leave source\.encoding out/,
    },
    {
      input: 'UTF-32LE with byte-order mark',
      source: async () => {
        const points = [...TABLE].map((c) => c.codePointAt(0)!);
        const bytes = Buffer.alloc(4 * points.length);
        points.forEach((point, i) => bytes.writeUInt32LE(point, 4 * i));
        return { uri: await file('utf32.csv', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), bytes])), format: 'csv' };
      },
      message: /utf32\.csv line 1: the file is UTF-32LE \(with byte-order mark\), which ingest does not read; re-export the file as UTF-8 \(or UTF-16\)$/,
    },
    {
      input: 'gzip file given as csv',
      source: async () => ({ uri: await file('weather.csv', gzipSync(TABLE)), format: 'csv' }),
      message: /weather\.csv: the file is not text: it looks like gzip-compressed data \(decompress it first\)$/,
    },
    {
      input: 'Parquet file given as csv',
      source: () => Promise.resolve({ uri: 'package://vega-datasets/data/flights-3m.parquet', format: 'csv' }),
      message: /flights-3m\.parquet: the file is not text: it looks like a Parquet file \(set source\.format to parquet\)$/,
    },
    {
      input: 'source.encoding against the byte-order mark',
      source: async () => ({ uri: await file('marked.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(TABLE)])), format: 'csv', encoding: 'windows-1252' }),
      message: /marked\.csv line 1: source\.encoding says windows-1252, but the file opens with the byte-order mark of UTF-16LE/,
    },
  ];

  for (const entry of refused) {
    it(`refuses a ${entry.input}: UnreadableSource, non-retryable, naming what the file is`, async () => {
      const failure = await refusal(await entry.source());

      expect([failure.type, failure.nonRetryable]).toEqual(['UnreadableSource', true]);
      expect(failure.message).toMatch(entry.message);
      entries.push(recordBadInput(entry.input, 'ingest activity', failure.type!, !failure.nonRetryable));
    });
  }

  it('refuses an encoding label TextDecoder does not know when the spec is checked, naming source.encoding', () => {
    const spec = { ...loadPipeline('seattle-temperature'), source: { uri: join(scratch, 'utf8.csv'), format: 'csv', encoding: 'utf-32' } };

    const failure = (() => {
      try {
        parsePipelineSpec(spec);
      } catch (error) {
        return error;
      }
    })();

    expect(failure).toBeInstanceOf(PipelineSpecError);
    expect((failure as PipelineSpecError).problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "source.encoding: must be an encoding label Node's TextDecoder knows, such as 'utf-8', 'utf-16le', 'windows-1252' or 'iso-8859-1' (UTF-32 is not read)",
    ]);
    entries.push(recordBadInput('unknown source.encoding label', 'spec check', 'PipelineSpecError', false));
  });
});
