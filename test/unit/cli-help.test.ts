import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/program.js';

/** Every command of the tree, as the words a person types, e.g. ['models', 'ls']. */
function commandPaths(command: Command, path: string[] = []): string[][] {
  return [path, ...command.commands.flatMap((child) => commandPaths(child, [...path, child.name()]))];
}

/** `ctrain <path> --help` through the real command tree, in this process, capturing what it prints. */
async function help(path: string[]): Promise<{ exitCode: number; stdout: string }> {
  const program = buildProgram();
  let stdout = '';
  const quiet = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (text) => void (stdout += text), writeErr: (text) => void (stdout += text) });
    command.commands.forEach(quiet);
  };
  quiet(program);
  try {
    await program.parseAsync([...path, '--help'], { from: 'user' });
    return { exitCode: 0, stdout };
  } catch (error) {
    if (error instanceof CommanderError) return { exitCode: error.exitCode, stdout };
    throw error;
  }
}

describe('ctrain --help', () => {
  const paths = commandPaths(buildProgram());

  it('covers every command, the ones an operator types first among them', () => {
    const names = paths.map((path) => path.join(' '));
    for (const expected of ['run', 'cancel', 'status', 'models ls', 'promote', 'rollback', 'dev up', 'demo', 'alerts', 'drift check', 'schedule ls']) expect(names).toContain(expected);
  });

  it.each(paths.map((path) => [path.join(' ') || '(none)', path] as const))('explains %s', async (_name, path) => {
    const { exitCode, stdout } = await help(path);
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`Usage: ctrain${path.length > 0 ? ` ${path.join(' ')}` : ''}`);
    // Every command says what it is for, beyond its usage line.
    expect(stdout.split('\n').filter((line) => line.trim()).length).toBeGreaterThan(2);
  });
});
