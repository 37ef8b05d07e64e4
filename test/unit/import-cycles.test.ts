import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../stack/paths.js';
import type { ImportGraph } from '../support/import-graph.js';
import { arrowsBetween, findCycles, folderGraph, importGraph, reExportsOutsideIndex } from '../support/import-graph.js';

const graphOf = (arrows: Record<string, string[]>): ImportGraph => new Map(Object.entries(arrows).map(([from, to]) => [from, new Set(to)]));

describe('import cycles', () => {
  const graph = importGraph(PROJECT_ROOT);

  it('reads the whole project: every top-level folder, type-only imports and re-exports included', () => {
    expect(graph.size).toBeGreaterThan(300);
    expect(graph.get('workflows/index.ts')?.size).toBeGreaterThan(0);
    for (const folder of ['activities', 'cli', 'contracts', 'model', 'test', 'workflows']) expect(folderGraph(graph).has(folder)).toBe(true);
  });

  it('has no cycle between files', () => {
    const cycles = findCycles(graph).map((chain) => chain.join(' -> '));
    if (cycles.length) console.error(`import cycles between files:\n${cycles.join('\n')}`);
    expect(cycles).toEqual([]);
  });

  it('has no cycle between top-level folders', () => {
    const cycles = findCycles(folderGraph(graph)).map((chain) => {
      const arrows = chain.slice(1).map((to, at) => `  ${chain[at]} -> ${to}: ${arrowsBetween(graph, chain[at]!, to).join(', ')}`);
      return `${chain.join(' -> ')}\n${arrows.join('\n')}`;
    });
    if (cycles.length) console.error(`import cycles between folders:\n${cycles.join('\n')}`);
    expect(cycles).toEqual([]);
  });

  it('keeps statistics/ a leaf: it imports no other folder of the project', () => {
    expect([...(folderGraph(graph).get('statistics') ?? [])]).toEqual([]);
  });

  it('re-exports only in index.ts files: a re-export elsewhere hides which file defines a name and closes cycles', () => {
    expect(reExportsOutsideIndex(PROJECT_ROOT)).toEqual([]);
  });
});

describe('the cycle finder', () => {
  it('finds nothing in a graph without a cycle', () => {
    expect(findCycles(graphOf({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([]);
  });

  it('names each cycle as a chain that returns to its start', () => {
    expect(findCycles(graphOf({ a: ['b'], b: ['c'], c: ['a', 'd'], d: ['e'], e: ['d'] }))).toEqual([
      ['a', 'b', 'c', 'a'],
      ['d', 'e', 'd'],
    ]);
  });

  it('finds a cycle between folders that no two files close', () => {
    const files = graphOf({ 'model/a.ts': ['drift/b.ts'], 'drift/c.ts': ['model/d.ts'], 'model/d.ts': [], 'drift/b.ts': [] });
    expect(findCycles(files)).toEqual([]);
    expect(findCycles(folderGraph(files))).toEqual([['drift', 'model', 'drift']]);
    expect(arrowsBetween(files, 'drift', 'model')).toEqual(['drift/c.ts -> model/d.ts']);
  });

  describe('on files', () => {
    const root = mkdtempSync(join(tmpdir(), 'import-cycles-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string): void => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };

    it('follows type-only imports, re-exports, folder imports and `.js` specifiers', () => {
      write('a/index.ts', "export { b } from './b.js';\n");
      write('a/b.ts', "import type { C } from '../c/c.js';\nexport const b = 1;\n");
      write('c/c.ts', "import { b } from '../a';\nimport 'node:fs';\nexport type C = typeof b;\n");
      const files = importGraph(root);
      expect(files).toEqual(graphOf({ 'a/b.ts': ['c/c.ts'], 'a/index.ts': ['a/b.ts'], 'c/c.ts': ['a/index.ts'] }));
      expect(findCycles(files)).toEqual([['a/b.ts', 'c/c.ts', 'a/index.ts', 'a/b.ts']]);
      write('c/shim.ts', "export { b } from '../a/b.js';\n");
      expect(reExportsOutsideIndex(root)).toEqual(['c/shim.ts: ../a/b.js']);
    });
  });
});
