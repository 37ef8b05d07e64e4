/** The CLI's compiled build (scripts/build-cli.mjs): which sources it covers, when it is stale, and that `ctrain --help` runs from it. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../stack/paths.js';
// @ts-expect-error plain JavaScript module without type declarations
import { isCurrent, sourceFiles, sourceFingerprint } from '../../scripts/build-cli.mjs';

type Files = (root: string) => string[];
type Fingerprint = (root: string) => string;
const current = isCurrent as (built: string | undefined, now: string) => boolean;

const root = mkdtempSync(join(tmpdir(), 'ctrain-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

describe('sources and fingerprint', () => {
  write('cli/main.ts', 'export {};\n');
  write('stack/paths.ts', 'export {};\n');
  write('cli/main.test.ts', '');
  write('test/unit/x.test.ts', '');
  write('bench/main.ts', '');
  write('node_modules/pkg/index.ts', '');
  write('vitest.config.ts', '');
  write('tsconfig.json', '{}');

  it('covers the .ts files of the source folders, not tests, benchmarks, packages or root files', () => {
    expect((sourceFiles as Files)(root)).toEqual(['cli/main.ts', 'stack/paths.ts']);
  });

  it('changes when a source changes time, size, or appears; is stable otherwise', () => {
    const fingerprint = sourceFingerprint as Fingerprint;
    const first = fingerprint(root);
    expect(fingerprint(root)).toBe(first);
    expect(current(first, fingerprint(root))).toBe(true);
    utimesSync(join(root, 'cli/main.ts'), new Date(), new Date(Date.now() + 5_000));
    const touched = fingerprint(root);
    expect(touched).not.toBe(first);
    write('cli/main.ts', 'export const changed = 1;\n');
    expect(fingerprint(root)).not.toBe(touched);
    const edited = fingerprint(root);
    write('cli/new.ts', '');
    expect(fingerprint(root)).not.toBe(edited);
    expect(current(undefined, edited)).toBe(false);
  });
});

describe('bin/ctrain.js', () => {
  it('--help exits 0 and lists the commands', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin', 'ctrain.js'), '--help'], { timeout: 60_000 });
    for (const command of ['provision', 'run [options] <pipeline>', 'models', 'worker [options]', 'serve [options]', 'completion <shell>', 'ui [options]']) expect(stdout).toContain(command);
  });
});
