/**
 * `ctrain --help` answers at once because no command module loads a heavy dependency until its
 * action runs. The rule, for every cli/*.ts file: at its top level it imports only `commander`,
 * Node built-ins, `import type`, and local modules that themselves follow the same rule all the
 * way down (no npm package but commander anywhere in their static imports); everything else is
 * `await import()` inside the action that needs it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../stack/paths.js';

/** Packages a command module may load at its top level. */
const ALLOWED_PACKAGES = new Set(['commander']);
/**
 * Modules that run the dev stack or the demo's story themselves: they load Temporal, MinIO and execa
 * at their top level, so a command may reach them only through `import()` inside its action.
 */
const ON_DEMAND = new Set(['dev-stack-view.ts', 'demo-drift-story.ts']);

const CLI = join(PROJECT_ROOT, 'cli');
const CHECKED = readdirSync(CLI).filter((name) => name.endsWith('.ts') && !ON_DEMAND.has(name)).sort();

/** The module specifiers a file loads when it is imported: value imports and re-exports, not `import type` / `export type`. */
export function staticImports(source: string, fileName = 'file.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const found: string[] = [];
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      // `import { type A } from 'x'` still loads x under verbatimModuleSyntax; only `import type` does not.
      if (!statement.importClause?.isTypeOnly) found.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      if (!statement.isTypeOnly) found.push(statement.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(statement) && !statement.isTypeOnly && ts.isExternalModuleReference(statement.moduleReference)) {
      const expression = statement.moduleReference.expression;
      if (ts.isStringLiteral(expression)) found.push(expression.text);
    }
  }
  return found;
}

const isBuiltin = (specifier: string): boolean => specifier.startsWith('node:') || builtinModules.includes(specifier);

/** Each package outside the rule that importing `path` loads, with the chain of files that leads to it. */
function heavyImports(path: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of staticImports(readFileSync(file, 'utf8'), file)) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
        // Reaching an on-demand module at the top level loads everything it does: that is the fault named.
        if (dirname(target) === CLI && ON_DEMAND.has(basename(target))) problems.push([...chain, specifier].join(' → '));
        else visit(target, [...chain, specifier]);
      } else if (!isBuiltin(specifier) && !ALLOWED_PACKAGES.has(specifier)) problems.push([...chain, specifier].join(' → '));
    }
  };
  visit(path, [relative(PROJECT_ROOT, path)]);
  return problems;
}

describe('staticImports', () => {
  it('counts value imports and re-exports, not type-only ones', () => {
    const source = [
      "import type { Client } from '@temporalio/client';",
      "import { Command } from 'commander';",
      "import { type Worker } from '@temporalio/worker';",
      "import * as fs from 'node:fs';",
      "import './side-effect.js';",
      "export { x } from './x.js';",
      "export type { Y } from './y.js';",
      "const later = () => import('fastify');",
    ].join('\n');
    expect(staticImports(source)).toEqual(['commander', '@temporalio/worker', 'node:fs', './side-effect.js', './x.js']);
  });
});

describe('cli modules load no heavy dependency at their top level', () => {
  it('checks every cli file but the on-demand ones', () => {
    expect(CHECKED).toContain('program.ts');
    expect(CHECKED).toContain('main.ts');
  });

  it.each(CHECKED)('cli/%s', (name) => {
    expect(heavyImports(join(CLI, name))).toEqual([]);
  });
});
