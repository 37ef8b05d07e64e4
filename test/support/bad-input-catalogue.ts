/**
 * The bad-inputs catalogue: every test file that feeds ctrain a bad input records what it saw
 * here, one JSON line per input, so the fault suite's summary counts them all. scripts/run-tests.sh
 * clears the file before the main suite.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BAD_INPUTS_SUMMARY } from '../faults/support.js';

export interface CatalogueEntry {
  input: string;
  where: string;
  /** The error's type as the caller sees it (a failure type, an HTTP status and code), or 'none' when accepted by design. */
  type: string;
  retryable: 'yes' | 'no' | 'n/a';
}

/** Records one bad input, and answers its entry for the file's own table. */
export function recordBadInput(input: string, where: string, type: string, retryable: boolean | 'n/a'): CatalogueEntry {
  const entry: CatalogueEntry = { input, where, type, retryable: retryable === 'n/a' ? 'n/a' : retryable ? 'yes' : 'no' };
  mkdirSync(dirname(BAD_INPUTS_SUMMARY), { recursive: true });
  appendFileSync(BAD_INPUTS_SUMMARY, `${JSON.stringify(entry)}\n`);
  return entry;
}

/** The entries as a Markdown table, for a file to print at its end. */
export function catalogueTable(title: string, entries: readonly CatalogueEntry[]): string {
  const keys: (keyof CatalogueEntry)[] = ['input', 'where', 'type', 'retryable'];
  const heading: CatalogueEntry = { input: 'bad input', where: 'where rejected', type: 'error type', retryable: 'retryable?' as CatalogueEntry['retryable'] };
  const width = (key: keyof CatalogueEntry) => Math.max(...[heading, ...entries].map((row) => row[key].length));
  const line = (row: CatalogueEntry) => `| ${keys.map((key) => row[key].padEnd(width(key))).join(' | ')} |`;
  return [`${title} (${entries.length} entries, as observed):`, line(heading), `|${keys.map((key) => '-'.repeat(width(key) + 2)).join('|')}|`, ...entries.map(line)].join('\n');
}
