/**
 * `ctrain watch` and `run --wait` on real runs (real Temporal, MinIO and DVC from the harness, a
 * worker per file), and the documented `--json` shapes (docs/cli-json.md) against real output.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { routeUsageErrors } from '../../cli/errors.js';
import { buildProgram } from '../../cli/program.js';
import { modelWorkflowId } from '../../contracts/model.js';
import type { PipelineSpecInput } from '../../contracts/pipeline-spec.js';
import { driftScheduleId } from '../../contracts/schedules.js';
import { requestRun, waitForRun } from '../../clients/model-client.js';
import { registerPipeline } from '../../pipelines/index.js';
import { cleanCsv } from '../support/bad-inputs.js';
import { ctrain } from '../support/ctrain-cli.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';

const stack = inject('stack');
const env = { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress, CTRAIN_TEMPORAL_NAMESPACE: stack.namespace, CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint };
const modelName = `watch-${randomUUID().slice(0, 8)}`;
const EPOCHS = 25;
const DOC = new URL('../../docs/cli-json.md', import.meta.url);

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
let scratch: string;
/** The first run: trained, registered and deployed. */
let firstRun: string;

/** Documented keys per command heading of docs/cli-json.md, and which of them are optional. */
async function documented(heading: string): Promise<{ keys: string[]; optional: string[] }> {
  const sections = (await readFile(DOC, 'utf8')).split(/^### /m);
  const section = sections.find((text) => text.startsWith(`\`${heading}\``));
  if (!section) throw new Error(`docs/cli-json.md has no section for ${heading}`);
  const rows = [...section.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)];
  return { keys: rows.map((row) => row[1]!), optional: rows.filter((row) => row[2]!.includes('optional')).map((row) => row[1]!) };
}

/** Every key of `value` is documented, and every documented key not marked optional is there. */
async function expectDocumented(heading: string, value: Record<string, unknown>): Promise<void> {
  const { keys, optional } = await documented(heading);
  expect(Object.keys(value).filter((key) => !keys.includes(key)), `${heading}: undocumented keys`).toEqual([]);
  expect(keys.filter((key) => !optional.includes(key) && !(key in value)), `${heading}: documented keys missing`).toEqual([]);
}

/** Runs a `ctrain` command in this process (where the test's pipeline is registered); answers the lines it printed with console.log. */
async function inProcess(args: string[]): Promise<string[]> {
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => void printed.push(...values.join(' ').split('\n')));
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  try {
    const program = buildProgram();
    routeUsageErrors(program);
    await program.parseAsync(args, { from: 'user' });
    return printed;
  } finally {
    log.mockRestore();
    vi.unstubAllEnvs();
  }
}

/** The last line a watch printed about `step`. */
const lastLine = (stdout: string, step: string): string | undefined => stdout.split('\n').filter((line) => line.startsWith(`  ${step.padEnd(9)} `)).at(-1);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctrain-watch-'));
  const source = join(scratch, 'clean.csv');
  await writeFile(source, cleanCsv(1500));
  const spec: PipelineSpecInput = {
    name: modelName,
    source: { uri: source, format: 'csv' },
    label: { column: 'y', kind: 'binary' },
    features: { numeric: ['x1', 'x2'], categorical: ['color'] },
    split: { by: 'hash', keys: ['id'], test: 0.2, validation: 0.1 },
    network: { kind: 'mlp', hidden: [16], dropout: 0 },
    training: { epochs: EPOCHS, batchSize: 32, learningRate: 1e-2, earlyStopPatience: 0, seed: 5 },
    evaluation: { metric: 'auc', threshold: 0 },
    deploy: { canaryPercent: 10, soak: '1 second', approval: 'auto' },
    drift: { check: '1 hour', psi: 0.2, minRows: 100, cooldown: '1 second' },
  };
  registerPipeline(spec);
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
});

afterAll(async () => {
  await workers?.stop();
  await temporal?.client.schedule.getHandle(driftScheduleId(modelName)).delete().catch(() => undefined);
  await temporal?.client.workflow.getHandle(modelWorkflowId(modelName)).terminate('cli-watch test done').catch(() => undefined);
  await temporal?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe.sequential('ctrain watch', () => {
  it('follows a run by its id to the end: each step in turn, training by epoch of the total, then register and deploy; exit 0', async () => {
    ({ runId: firstRun } = await requestRun(temporal.client, modelName, { source: 'cli', reason: 'watch test' }, workers));

    const watched = await ctrain(['watch', firstRun, '--interval', '100'], env);

    console.log(`ctrain watch ${firstRun} printed:\n${watched.stdout}`);
    expect(watched.exitCode, watched.stderr).toBe(0);
    expect(watched.stderr).toBe('');
    const lines = watched.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${firstRun.replaceAll('.', '\\.')} \\(model ${modelName}\\): (running|completed)$`));
    expect(lastLine(watched.stdout, 'ingest')).toMatch(/^ {2}ingest {4}done {5}1500 rows, dataset [0-9a-f]{12}$/);
    expect(lastLine(watched.stdout, 'validate')).toBe('  validate  done     0 warnings, reference schema inferred');
    expect(lastLine(watched.stdout, 'feature')).toMatch(/^ {2}feature {3}done {5}\d+ features; \d+\/\d+\/\d+ train\/validation\/test rows$/);
    expect(lastLine(watched.stdout, 'train')).toMatch(new RegExp(`^  train     done     \\[#{20}\\] ${EPOCHS} epochs \\(best \\d+\\) loss \\d\\.\\d+ val_loss \\d\\.\\d+$`));
    expect(lastLine(watched.stdout, 'evaluate')).toMatch(/^ {2}evaluate {2}done {5}Blessed: candidate auc [\d.]+ meets the minimum 0; there is no production model to compare with$/);
    expect(lastLine(watched.stdout, 'register')).toBe('  register  done     v1, blessed');
    expect(lastLine(watched.stdout, 'deploy')).toBe('  deploy    done     production v1');
    expect(lines.at(-1)).toBe(`${firstRun}: registered (version 1)`);
    // Training lines seen while it ran (how many depends on the machine) show the epoch of the total on a bar.
    for (const line of lines.filter((text) => text.startsWith('  train     running'))) expect(line).toMatch(new RegExp(`\\[[#-]{20}\\] epoch \\d+/${EPOCHS}( loss \\d\\.\\d+ val_loss \\d\\.\\d+)?$`));
  });

  it('--json: one object per change, with the documented keys; a model name means its latest run', async () => {
    const watched = await ctrain(['watch', modelName, '--json'], env);

    expect(watched.exitCode, watched.stderr).toBe(0);
    const events = watched.stdout.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event.event)).toEqual(['run', 'step', 'step', 'step', 'step', 'step', 'step', 'step', 'end']);
    expect(events[0]).toEqual({ event: 'run', runId: firstRun, model: modelName, status: 'completed' });
    expect(events.slice(1, -1).map((event) => [event.step, event.state])).toEqual([
      ['ingest', 'done'],
      ['validate', 'done'],
      ['feature', 'done'],
      ['train', 'done'],
      ['evaluate', 'done'],
      ['register', 'done'],
      ['deploy', 'done'],
    ]);
    expect(events[4]).toMatchObject({ step: 'train', epoch: EPOCHS, epochs: EPOCHS });
    expect(events.at(-1)).toEqual({ event: 'end', runId: firstRun, ok: true, status: 'registered', message: `${firstRun}: registered (version 1)` });
    const { keys } = await documented('ctrain watch <run> --json');
    for (const event of events) expect(Object.keys(event).filter((key) => !keys.includes(key))).toEqual([]);
  });

  it('a failed run: the failed step with its reason, what follows skipped; exit 1 with the failure and a hint on stderr, two lines', async () => {
    const missing = join(scratch, 'gone.csv');
    const { runId } = await requestRun(temporal.client, modelName, { source: 'cli', reason: 'watch a failure', overrides: { source: { uri: missing, format: 'csv' } } }, workers);

    const watched = await ctrain(['watch', runId], env);

    expect(watched.exitCode).toBe(1);
    expect(lastLine(watched.stdout, 'ingest')).toMatch(/^ {2}ingest {4}failed {3}.*gone\.csv/);
    for (const step of ['validate', 'feature', 'train', 'evaluate', 'register', 'deploy']) expect(lastLine(watched.stdout, step), step).toMatch(/ skipped( |$)/);
    const stderr = watched.stderr.split('\n');
    expect(stderr).toHaveLength(2);
    expect(stderr[0]).toMatch(new RegExp(`^ctrain: run ${runId.replaceAll('.', '\\.')} failed at ingest: .*gone\\.csv`));
    expect(stderr[1]).toBe(`hint: once the cause is fixed, \`npx ctrain run ${modelName} --resume ${runId}\` reuses the steps that succeeded`);
    await waitForRun(temporal.client, modelName, runId, 200);
  });

  it('run --wait shows the same step lines as it goes, then its summary', async () => {
    const printed = await inProcess(['run', modelName, '--wait']);

    const runId = /^(\S+) \(model /.exec(printed[0] ?? '')?.[1];
    expect(runId, printed.join('\n')).toMatch(new RegExp(`^${modelName}\\.train\\.`));
    const summary = printed.indexOf(`${runId}: registered (version 1)`);
    expect(summary, printed.join('\n')).toBeGreaterThan(0);
    const text = printed.slice(0, summary).join('\n');
    // Unchanged spec and data: the steps after ingest come from the cache, and no new version is registered.
    expect(lastLine(text, 'validate')).toBe('  validate  reused   from cache: 0 warnings, reference schema inferred');
    expect(lastLine(text, 'train')).toMatch(/^ {2}train {5}reused {3}\[#{20}\] from cache: 25 epochs/);
    expect(lastLine(text, 'register')).toBe('  register  reused   v1: same spec, data and model');
    expect(lastLine(text, 'deploy')).toBe('  deploy    skipped  v1 is unchanged');
    expect(printed.slice(summary)).toContain('  validate  reused (cache)');
  });
});

describe('--json output matches docs/cli-json.md', () => {
  it('status, status <run>, models show, models show <version>', async () => {
    const list = JSON.parse((await inProcess(['status', '--json'])).join('\n')) as Record<string, unknown>[];
    expect(list.length).toBeGreaterThan(0);
    for (const row of list) await expectDocumented('ctrain status --json', row);

    const one = JSON.parse((await inProcess(['status', firstRun, '--json'])).join('\n')) as Record<string, unknown>;
    expect(one).toMatchObject({ workflowId: firstRun, type: 'trainingPipelineWorkflow', status: 'COMPLETED' });
    await expectDocumented('ctrain status <workflow> --json', one);

    const registry = JSON.parse((await inProcess(['models', 'show', modelName, '--json'])).join('\n')) as Record<string, unknown>;
    expect(registry).toMatchObject({ modelName, aliases: { production: 1 } });
    await expectDocumented('ctrain models show <model> --json', registry);

    const version = JSON.parse((await inProcess(['models', 'show', modelName, '1', '--json'])).join('\n')) as Record<string, unknown>;
    expect(version).toMatchObject({ version: 1, runId: firstRun, blessed: true });
    await expectDocumented('ctrain models show <model> <version> --json', version);
  });
});
