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

/** How many general worker processes a stack keeps: 1 to 16 (each one is a Node process of its own). */
export const MAX_GENERAL_WORKERS = 16;
export function workerCountArgument(value: string): number {
  if (!/^\d{1,2}$/.test(value) || Number(value) < 1 || Number(value) > MAX_GENERAL_WORKERS) {
    throw new InvalidArgumentError(`worker count ${quote(value)} must be a whole number from 1 to ${MAX_GENERAL_WORKERS}`);
  }
  return Number(value);
}
