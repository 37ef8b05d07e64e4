import { readFile } from 'node:fs/promises';
import type { FaultRow } from './support.js';
import { BAD_INPUTS_SUMMARY, FAULT_SUMMARY } from './support.js';

// Prints the fault suite's summary (every row recordFault wrote) as a table. scripts/run-tests.sh
// clears the rows before the suite and runs this after both of its parts.
const text = await readFile(FAULT_SUMMARY, 'utf8').catch(() => '');
const rows = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as FaultRow);
if (rows.length === 0) {
  console.log('fault suite summary: no faults were recorded');
  process.exit(0);
}
const header = ['fault', 'injected', 'runs completed', 'versions registered', 'bytes verified', 'outcome'];
const cells = rows.map((row) => [row.fault, String(row.injected), String(row.runsCompleted), String(row.versionsRegistered), String(row.bytesVerified), row.outcome]);
const total = (pick: (row: FaultRow) => number): string => String(rows.reduce((sum, row) => sum + pick(row), 0));
cells.push(['total', total((row) => row.injected), total((row) => row.runsCompleted), total((row) => row.versionsRegistered), total((row) => row.bytesVerified), '']);
const line = (values: string[]): string => `| ${values.join(' | ')} |`;
const badInputs = (await readFile(BAD_INPUTS_SUMMARY, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string });
const rejected = badInputs.filter((entry) => entry.type !== 'none').length;
const badLine = badInputs.length
  ? `bad inputs tried: ${badInputs.length}; rejected with the expected error: ${rejected}; accepted as designed (BOM, large file): ${badInputs.length - rejected}`
  : 'bad inputs: the main suite has not run in this checkout (npm test runs it first)';
console.log(['', 'fault suite summary', line(header), line(header.map(() => '---')), ...cells.map(line), '', badLine].join('\n'));
