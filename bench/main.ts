/**
 * `npm run bench`: measures ctrain and its peers side by side on this machine and writes
 * bench/results.md and bench/results.json. `--quick` runs small sizes (a check, not a
 * measurement); `--only a,b` runs some sections (written to results.partial.*).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { PROJECT_ROOT } from '../stack/paths.js';
import type { BenchRow } from './contract.js';
import { provisionBenchPeers } from './peers.js';
import { describeMachine, renderMarkdown } from './report.js';
import { SECTIONS } from './sections/index.js';
import { cleanStaleTestStacks } from '../harness/test-stack.js';
import { TEST_SOURCE_ENV } from '../harness/test-sources.js';

// The bench's workers read its inputs from the temporary folder and the project, as the test suites' do.
for (const [name, value] of Object.entries(TEST_SOURCE_ENV)) process.env[name] ??= value;

const options = new Command('bench')
  .option('--quick', 'small sizes and one repeat: checks the benchmarks work')
  .option('--only <sections>', `comma-separated sections: ${SECTIONS.map((section) => section.name).join(', ')}`)
  .parse()
  .opts<{ quick?: boolean; only?: string }>();

const only = options.only?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !SECTIONS.some((section) => section.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`bench: unknown section ${unknown.join(', ')}; known: ${SECTIONS.map((section) => section.name).join(', ')}`);
  process.exit(2);
}
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const startedAt = new Date();
// A benchmark killed halfway leaves its stacks' servers running (they are detached): stop them
// first, or they would take CPU from every measurement after.
for (const home of await cleanStaleTestStacks()) log(`stopped a stack left by a killed run: ${home}`);
const peers = await provisionBenchPeers(log);
const context = { quick: Boolean(options.quick), python: peers.python, log };
const rows: BenchRow[] = [];
for (const section of SECTIONS.filter((candidate) => !only || only.includes(candidate.name))) {
  log(`— ${section.title}`);
  const started = performance.now();
  rows.push(...(await section.run(context)));
  log(`— ${section.title}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
const seconds = (Date.now() - startedAt.getTime()) / 1000;
const machine = describeMachine(peers.versions);
const base = join(PROJECT_ROOT, 'bench', only || options.quick ? 'results.partial' : 'results');
await writeFile(`${base}.json`, `${JSON.stringify({ startedAt: startedAt.toISOString(), seconds, quick: context.quick, machine, rows }, null, 2)}\n`);
await writeFile(`${base}.md`, renderMarkdown(rows, machine, { startedAt: startedAt.toISOString(), seconds, quick: context.quick }));
log(`wrote ${base}.md and ${base}.json`);
