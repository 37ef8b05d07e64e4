import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { FAILURE_TYPES, NON_RETRYABLE_FAILURES, NON_RETRYABLE_TYPES, RETRYABLE_FAILURES } from '../../contracts/failure-types.js';
import { STEP_RETRY } from '../../contracts/retry.js';
import { PROJECT_ROOT } from '../../stack/paths.js';

interface Thrown {
  where: string;
  retryable: boolean;
  /** A catalogue key (FAILURE_TYPES.X), or the text of anything else given as the type. */
  type: string;
}

const sources = (folder: string) =>
  readdirSync(join(PROJECT_ROOT, folder))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ file: `${folder}/${name}`, source: ts.createSourceFile(name, readFileSync(join(PROJECT_ROOT, folder, name), 'utf8'), ts.ScriptTarget.ES2022, true) }));

function visit(node: ts.Node, each: (node: ts.Node) => void): void {
  each(node);
  ts.forEachChild(node, (child) => visit(child, each));
}

/** The catalogue keys an expression names; other text as written. A parameter passed through (the helper's `type`) names nothing. */
function typesIn(expression: ts.Expression): string[] {
  if (ts.isConditionalExpression(expression)) return [...typesIn(expression.whenTrue), ...typesIn(expression.whenFalse)];
  if (ts.isPropertyAccessExpression(expression) && expression.expression.getText() === 'FAILURE_TYPES') return [expression.name.text];
  if (ts.isIdentifier(expression) && expression.text === 'type') return [];
  return [expression.getText()];
}

/** Every failure type the activities throw: ApplicationFailure.nonRetryable/retryable/create and batch scoring's nonRetryable helper. */
function thrownInActivities(): Thrown[] {
  const thrown: Thrown[] = [];
  for (const { file, source } of sources('activities')) {
    visit(source, (node) => {
      if (!ts.isCallExpression(node)) return;
      const callee = node.expression.getText();
      const where = `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
      if (callee === 'ApplicationFailure.nonRetryable' || callee === 'nonRetryable' || callee === 'ApplicationFailure.retryable') {
        const type = node.arguments[1];
        expect(type, `${where} names no failure type`).toBeDefined();
        for (const name of typesIn(type!)) thrown.push({ where, retryable: callee === 'ApplicationFailure.retryable', type: name });
      }
      if (callee === 'ApplicationFailure.create' && node.arguments[0] && ts.isObjectLiteralExpression(node.arguments[0])) {
        const property = (name: string) => node.arguments[0] && (node.arguments[0] as ts.ObjectLiteralExpression).properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === name);
        const type = property('type');
        expect(type, `${where} names no failure type`).toBeDefined();
        for (const name of typesIn(type!.initializer)) thrown.push({ where, retryable: property('nonRetryable')?.initializer.getText() !== 'true', type: name });
      }
    });
  }
  return thrown;
}

describe('the failure-type catalogue', () => {
  it('names each type once, as its own key, retryable or not but never both', () => {
    for (const [key, value] of Object.entries(FAILURE_TYPES)) expect(value).toBe(key);
    expect(Object.keys(NON_RETRYABLE_FAILURES).filter((key) => key in RETRYABLE_FAILURES)).toEqual([]);
    expect(NON_RETRYABLE_TYPES).toEqual(Object.values(NON_RETRYABLE_FAILURES));
  });

  it('holds every type the activities throw, retryable exactly where they throw it retryable', () => {
    const thrown = thrownInActivities();
    // Guards the scan itself: the activities throw some twenty named failures.
    expect(thrown.length).toBeGreaterThan(20);
    const wrong = thrown.filter(({ type, retryable }) => !(type in (retryable ? RETRYABLE_FAILURES : NON_RETRYABLE_FAILURES)));
    expect(wrong.map(({ where, type, retryable }) => `${where}: ${retryable ? 'retryable' : 'non-retryable'} ${type}`)).toEqual([]);
  });

  it('is where the workflows\' non-retryable lists come from: STEP_RETRY, and no list of their own', () => {
    expect(STEP_RETRY.nonRetryableErrorTypes).toBe(NON_RETRYABLE_TYPES);
    const own: string[] = [];
    const stepRetries: string[] = [];
    for (const { file, source } of sources('workflows')) {
      visit(source, (node) => {
        if (!ts.isPropertyAssignment(node)) return;
        if (node.name.getText() === 'nonRetryableErrorTypes') own.push(`${file}: ${node.initializer.getText()}`);
        if (node.name.getText() === 'retry' && node.initializer.getText().includes('STEP_RETRY')) stepRetries.push(file);
      });
    }
    expect(own).toEqual([]);
    // The pipeline's quick, data and train steps, batch scoring's chunks and plan, the model workflow's registry steps.
    expect(stepRetries.length).toBeGreaterThanOrEqual(6);
  });
});
