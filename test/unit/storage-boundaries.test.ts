/**
 * The storage layout is one file and MinIO has one gateway: a file that imports the MinIO client,
 * names a ctrain bucket, or builds an object key anywhere else fails here, naming the line.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../stack/paths.js';

const GATEWAY = 'storage/gateway.ts';
const LAYOUT = 'storage/layout.ts';
/** Where uriOf spells an object's s3:// URI, beside ObjectRef (pure, so workflows use it too). */
const URI_OF = 'contracts/pipeline-run.ts';
/** Tests that must write what ctrain never writes (no checksum, rotted bytes) or drop scratch buckets. */
const RAW_TEST_CLIENT = 'test/support/raw-minio.ts';

const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((file) => file !== '' && !file.startsWith('node_modules/'))
  .map((file) => ({ file, lines: readFileSync(`${PROJECT_ROOT}/${file}`, 'utf8').split('\n') }));
const isTest = (file: string): boolean => file.startsWith('test/');

/** `file:line: text` for each line matching `pattern` in the files `where` selects. */
function offenders(pattern: RegExp, where: (file: string) => boolean): string[] {
  return sources.filter(({ file }) => where(file)).flatMap(({ file, lines }) => lines.flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])));
}

const IMPORTS_MINIO = /^\s*(?:import|export)\b[^'"]*from ['"]minio['"]|\bimport\(['"]minio['"]\)|\brequire\(['"]minio['"]\)/;
const NAMES_A_BUCKET = /\bBUCKETS\.\w+/;
/** An object ref whose key is put together here: a template literal or a concatenation. */
const BUILDS_A_KEY = /\bkey: *(`|['"][^'"]*['"] *\+)|\bkey: *\w+ *\+ *['"`]/;
/** An s3:// URI spelled out from a ref's parts instead of uriOf. */
const SPELLS_A_URI = /s3:\/\/\$\{/;

describe('storage boundaries', () => {
  it('finds the source files it checks', () => {
    expect(sources.map(({ file }) => file)).toEqual(expect.arrayContaining([GATEWAY, LAYOUT, 'activities/ingest.ts', 'serving/server.ts']));
  });

  it('lets no file but the gateway import the MinIO client', () => {
    expect(offenders(IMPORTS_MINIO, (file) => file !== GATEWAY && file !== RAW_TEST_CLIENT)).toEqual([]);
  });

  it('builds every object key of ctrain in the layout module', () => {
    const outsideLayout = (file: string): boolean => !isTest(file) && file !== LAYOUT;
    expect(offenders(NAMES_A_BUCKET, (file) => outsideLayout(file) && file !== GATEWAY)).toEqual([]);
    expect(offenders(BUILDS_A_KEY, outsideLayout)).toEqual([]);
    expect(offenders(SPELLS_A_URI, (file) => outsideLayout(file) && file !== URI_OF)).toEqual([]);
  });

  it('would catch each kind of offence', () => {
    expect(IMPORTS_MINIO.test("import type { Client } from 'minio';")).toBe(true);
    expect(NAMES_A_BUCKET.test('const ref = { bucket: BUCKETS.artifacts, key };')).toBe(true);
    expect(BUILDS_A_KEY.test('const ref = { bucket, key: `drift/${model}/last-check.json` };')).toBe(true);
    expect(BUILDS_A_KEY.test("const ref = { bucket, key: prefix + '/manifest.json' };")).toBe(true);
    expect(BUILDS_A_KEY.test('return { bucket: match[1]!, key };')).toBe(false);
    expect(SPELLS_A_URI.test('`s3://${ref.bucket}/${ref.key}`')).toBe(true);
  });
});
