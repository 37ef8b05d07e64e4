import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandTree } from '../../cli/completion.js';
import { completionScript } from '../../cli/completion-scripts.js';
import { buildProgram } from '../../cli/program.js';
import { pipelineNames } from '../../pipelines/index.js';

const program = buildProgram();
const tree = commandTree(program);
const script = (shell: 'bash' | 'zsh' | 'fish') => completionScript(shell, tree, pipelineNames());

/** Every command of the tree with its subcommands' names, e.g. ['models', ['ls', 'show', 'stats']]. */
function parents(command: Command, path: string[] = []): [string, string[]][] {
  const own: [string, string[]][] = command.commands.length ? [[path.join(' '), command.commands.map((sub) => sub.name())]] : [];
  return [...own, ...command.commands.flatMap((sub) => parents(sub, [...path, sub.name()]))];
}

/** What bash offers after `words` (the last one is the word being completed), from the generated script itself. */
function complete(words: string[]): string[] {
  const body = `${script('bash')}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _ctrain; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', body], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('ctrain completion', () => {
  it('the bash script names every command of the tree under its parent, the new ones among them', () => {
    const bash = script('bash');
    const table = parents(program);
    expect(table.map(([path]) => path)).toEqual(expect.arrayContaining(['', 'models', 'dev', 'drift', 'schedule', 'retrain']));
    for (const [path, children] of table) expect(bash, path || '(program)').toContain(`'${path}') echo '${children.join(' ')}' ;;`);
    for (const command of ['watch', 'completion', 'run', 'status']) expect(table[0]![1]).toContain(command);
  });

  it('bash completes commands, subcommands, options, option values and model names', () => {
    expect(complete(['ctrain', 'wa'])).toEqual(['watch']);
    expect(complete(['ctrain', 'models', ''])).toEqual(['ls', 'show', 'stats', '--help', '-h']);
    expect(complete(['ctrain', 'run', ''])).toEqual(expect.arrayContaining(['--wait', '--no-cache', '--recompute', '--json', ...pipelineNames()]));
    expect(complete(['ctrain', 'run', '--recompute', ''])).toEqual(['ingest', 'validate', 'feature', 'train', 'evaluate']);
    // An option's value is skipped: after it come the command's words again.
    expect(complete(['ctrain', 'run', '--reason', 'why', '--j'])).toEqual(['--json']);
    expect(complete(['ctrain', 'watch', 'fl'])).toEqual(['flight-delay']);
    expect(complete(['ctrain', 'models', 'show', 'seattle-'])).toEqual(['seattle-live', 'seattle-temperature']);
    expect(complete(['ctrain', 'completion', ''])).toEqual(['bash', 'zsh', 'fish', '--help', '-h']);
  });

  it('zsh and fish scripts cover the same tree, with descriptions', () => {
    const zsh = script('zsh');
    const fish = script('fish');
    expect(zsh.startsWith('#compdef ctrain\n')).toBe(true);
    expect(zsh).toContain("'watch:follow a run live: each step");
    expect(zsh).toContain("'models show') subs=(); opts=('--json:print JSON' '--help:display help for command' '-h:display help for command'); args=('flight-delay' 'seattle-live' 'seattle-temperature')");
    for (const [path, children] of parents(program)) {
      for (const child of children) expect(fish, `${path} ${child}`).toContain(`complete -c ctrain -n '__ctrain_is \\'${path}\\'' -a '${child}'`);
    }
    expect(fish).toContain("complete -c ctrain -n '__ctrain_is \\'run\\'' -l recompute -x -a 'ingest validate feature train evaluate'");
  });

  it('bash accepts the script (syntax check)', () => {
    expect(() => execFileSync('bash', ['-n'], { input: script('bash') })).not.toThrow();
  });
});
