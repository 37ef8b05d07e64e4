import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../contracts/duration.js';

/** A duration option (`--timeout 2m`), checked when the command line is parsed; answers its length in milliseconds. */
export function durationArgument(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
