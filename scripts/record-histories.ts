/**
 * Records the histories of real runs into test/fixtures/histories/, for the replay test that
 * keeps today's workflow code able to resume yesterday's workflows. Run it against a stack that
 * has done real work (after `npm run demo`):  npx tsx scripts/record-histories.ts
 * It keeps the newest executions of each workflow type, running ones included, as the Temporal
 * CLI writes them (`temporal workflow show --output json`), as <type>-<set>-<n>.json, beside the
 * sets recorded before (the set defaults to today's date: `npx tsx scripts/record-histories.ts <set>`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { configFromEnv } from '../infra/config.js';
import { PROJECT_ROOT } from '../stack/paths.js';
import { provisionTool } from '../stack/provision.js';

const TYPES = ['modelWorkflow', 'trainingPipelineWorkflow', 'driftCheckWorkflow'];
const PER_TYPE = 2;
const OUT = join(PROJECT_ROOT, 'test', 'fixtures', 'histories');
const SET = process.argv[2] ?? new Date().toISOString().slice(0, 10);

const temporal = await provisionTool('temporal', () => undefined);
const { address, namespace } = configFromEnv().temporal;
const cli = async (args: string[]): Promise<string> => (await execa(temporal, [...args, '--address', address, '--namespace', namespace, '--output', 'json'])).stdout;

await mkdir(OUT, { recursive: true });
for (const type of TYPES) {
  const executions = JSON.parse((await cli(['workflow', 'list', '--query', `WorkflowType = '${type}'`, '--limit', String(PER_TYPE)])) || '[]') as { execution: { workflowId: string; runId: string }; status: string }[];
  if (executions.length === 0) throw new Error(`no ${type} execution to record at ${address}: run the demo first`);
  for (const [index, { execution, status }] of executions.entries()) {
    const history = await cli(['workflow', 'show', '--workflow-id', execution.workflowId, '--run-id', execution.runId]);
    const file = join(OUT, `${type}-${SET}-${index + 1}.json`);
    await writeFile(file, history);
    console.log(`recorded ${execution.workflowId} (${status}, ${(JSON.parse(history) as { events: unknown[] }).events.length} events) → ${file}`);
  }
}
