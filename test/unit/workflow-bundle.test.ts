import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../stack/paths.js';
import { BUNDLE_INPUTS, WORKFLOW_INTERCEPTOR_MODULES } from '../../workers/workflow-bundle.js';

/** Value imports (not `import type`) of a module, as written. */
function valueImports(source: string): string[] {
  return [...source.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1]!);
}

describe('the cached workflow bundle', () => {
  it('is keyed by every source it is built from: workflow code imports only from its own folders and packages', async () => {
    const outside: string[] = [];
    for (const folder of BUNDLE_INPUTS) {
      const files = (await readdir(join(PROJECT_ROOT, folder), { recursive: true })).filter((name) => name.endsWith('.ts'));
      for (const name of files) {
        const file = join(PROJECT_ROOT, folder, name);
        for (const specifier of valueImports(await readFile(file, 'utf8')).filter((spec) => spec.startsWith('.'))) {
          const target = relative(PROJECT_ROOT, resolve(dirname(file), specifier));
          if (!BUNDLE_INPUTS.some((input) => target.startsWith(`${input}/`))) outside.push(`${folder}/${name} imports ${specifier}`);
        }
      }
    }
    expect(outside).toEqual([]);
  });

  it('bundles workflow interceptors from those folders too, so tracing on or off needs no other bundle', () => {
    expect(WORKFLOW_INTERCEPTOR_MODULES.filter((module) => !BUNDLE_INPUTS.some((input) => module.startsWith(`${input}/`)))).toEqual([]);
  });

  it('finds the imports it checks', () => {
    expect(valueImports("import type { A } from './a.js';\nimport { b } from '../b.js';\nimport {\n  c,\n} from './c.js';")).toEqual(['../b.js', './c.js']);
  });
});
