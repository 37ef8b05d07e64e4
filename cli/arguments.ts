/**
 * Parsers for the arguments many commands share, so each is refused the same way, before any
 * connection: the CLI is one of ctrain's entry points, held to the same name rule as the others.
 */
import { InvalidArgumentError } from 'commander';
import { nameProblem, quote } from '../contracts/names.js';

/** A model's name: a lowercase slug (contracts/names.ts). */
export function modelArgument(value: string): string {
  const problem = nameProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`model name ${quote(value)} ${problem}`);
  return value;
}

/** A model version: a whole number from 1. */
export function versionArgument(value: string): string {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new InvalidArgumentError(`version ${quote(value)} must be a whole number from 1, e.g. 3`);
  return value;
}
