import type { Command } from 'commander';
import { Argument } from 'commander';
import { completionScript } from './completion-scripts.js';
import type { CommandNode, OptionNode } from './completion-scripts.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Positional arguments and options whose values are model (pipeline) names. */
const MODEL_ARGUMENTS = new Set(['pipeline', 'model', 'run']);
const MODEL_OPTIONS = new Set(['--models', '--model']);

/** `ctrain completion bash|zsh|fish`: a completion script for the whole command tree and the shipped models. */
export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (commands, options, model names); see the README for where to put it')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action(async (shell: Shell) => {
      const { pipelineNames } = await import('../pipelines/index.js');
      process.stdout.write(completionScript(shell, commandTree(program), pipelineNames()));
    });
}

/** The command tree as completion needs it: each command's subcommands, options and what its arguments take. */
export function commandTree(command: Command, path: string[] = []): CommandNode {
  return {
    path,
    description: summary(command.description()),
    subcommands: command.commands.map((sub) => commandTree(sub, [...path, sub.name()])),
    options: [
      ...command.options
        .filter((option) => !option.hidden)
        .map((option): OptionNode => ({
          names: [option.long, option.short].filter((name): name is string => Boolean(name)),
          description: summary(option.description),
          takesValue: option.required || option.optional,
          choices: option.argChoices ?? (MODEL_OPTIONS.has(option.long ?? '') ? 'models' : undefined),
        })),
      { names: ['--help', '-h'], description: 'display help for command', takesValue: false },
    ],
    arguments: command.registeredArguments.map((argument) => argument.argChoices ?? (MODEL_ARGUMENTS.has(argument.name()) ? 'models' : undefined)).filter((values) => values !== undefined),
  };
}

/** A description short enough for a completion menu: its first clause, at most 70 characters. */
function summary(text: string): string {
  const first = text.split(/[;(]/)[0]!.trim();
  return first.length <= 70 ? first : `${first.slice(0, first.lastIndexOf(' ', 67))}…`;
}
