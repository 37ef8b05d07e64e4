import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Imports between files: each key is a file (path relative to the root, `/`-separated), each value the files it imports. */
export type ImportGraph = Map<string, Set<string>>;

/** Folders that hold no project source: installed packages, tool state and generated output. */
const SKIPPED = new Set(['node_modules', 'coverage', 'test-output']);

/** Every TypeScript and JavaScript source file under `root`, skipping dot folders, node_modules and generated output. */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.') || SKIPPED.has(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) files.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return files;
}

/** The project file a relative specifier names: `./a.js` is `a.ts` when that exists, a folder is its `index.ts`. */
function resolveSpecifier(root: string, from: string, specifier: string): string | undefined {
  const base = resolve(root, dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts')];
  const found = candidates.find((path) => existsSync(path) && statSync(path).isFile());
  return found === undefined ? undefined : relative(root, found).split(sep).join('/');
}

/**
 * Every import between the project's files, `import type` and `export … from` included, and `import()` with a literal
 * specifier. Package imports are left out: only relative specifiers name project files.
 */
export function importGraph(root: string, files: string[] = sourceFiles(root)): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const targets = new Set<string>();
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveSpecifier(root, file, fileName);
      if (target !== undefined && target !== file) targets.add(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The graph between top-level folders: an arrow A -> B when a file under A imports a file under B. Files at the root are left out. */
export function folderGraph(graph: ImportGraph): ImportGraph {
  const folders: ImportGraph = new Map();
  const folderOf = (file: string): string | undefined => (file.includes('/') ? file.slice(0, file.indexOf('/')) : undefined);
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    if (from === undefined) continue;
    const arrows = folders.get(from) ?? new Set<string>();
    folders.set(from, arrows);
    for (const target of targets) {
      const to = folderOf(target);
      if (to !== undefined && to !== from) arrows.add(to);
    }
  }
  return folders;
}

/** The files under `from` that import files under `to`, as `a -> b` lines: what makes one folder arrow. */
export function arrowsBetween(graph: ImportGraph, from: string, to: string): string[] {
  const lines: string[] = [];
  for (const [file, targets] of graph) {
    if (!file.startsWith(`${from}/`)) continue;
    for (const target of targets) if (target.startsWith(`${to}/`)) lines.push(`${file} -> ${target}`);
  }
  return lines;
}

/**
 * One cycle for each group of nodes that reach each other (each strongly connected component with more than one node),
 * written as the chain `a -> b -> … -> a`. No cycle means an empty list.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const nodes = [...new Set([...graph.keys(), ...[...graph.values()].flatMap((targets) => [...targets])])].sort();
  // Tarjan's algorithm, iterative so a long import chain cannot overflow the call stack.
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; next: string[] }[] = [];
    const visit = (node: string): void => {
      index.set(node, index.size);
      low.set(node, index.get(node)!);
      stack.push(node);
      onStack.add(node);
      work.push({ node, next: [...(graph.get(node) ?? [])].sort() });
    };
    visit(start);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const target = frame.next.shift();
      if (target !== undefined) {
        if (!index.has(target)) visit(target);
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      if (component.length > 1) components.push(component.sort());
    }
  }
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!)).map((component) => cycleWithin(graph, new Set(component)));
}

/** The shortest chain from the first node of a component back to itself, staying inside the component. */
function cycleWithin(graph: ImportGraph, component: Set<string>): string[] {
  const start = [...component][0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const target of [...(graph.get(node) ?? [])].sort()) {
      if (!component.has(target)) continue;
      if (target === start) {
        const chain = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) chain.splice(1, 0, at);
        return [...chain, start];
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start];
}

/** Files other than `index.ts` that re-export from another module (`export … from`), as `file: specifier` lines. */
export function reExportsOutsideIndex(root: string, files: string[] = sourceFiles(root)): string[] {
  const found: string[] = [];
  for (const file of files.filter((name) => !/(^|\/)index\.m?ts$/.test(name) && /\.m?ts$/.test(name))) {
    const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) found.push(`${file}: ${statement.moduleSpecifier.text}`);
    }
  }
  return found;
}
