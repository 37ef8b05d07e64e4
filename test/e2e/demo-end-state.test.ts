/**
 * The demo as a new user runs it, on a stack of its own (own folder, own ports): it leaves the
 * stack running with its workers and model server, so every command it suggests answers; a second
 * demo says what it reused instead of repeating the first one's results; the supervisor restarts a
 * worker that dies; with the workers stopped, the registry still reads and the commands that need
 * a worker say so at once, naming `npx ctrain dev up`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevStackStatus } from '../../cli/dev-stack-view.js';
import type { Registry } from '../../contracts/model.js';
import { stopDevServices } from '../../stack/dev-services.js';
import { freePort } from '../../stack/ports.js';
import { eventually } from '../support/serving-fixtures.js';

const CLI = fileURLToPath(new URL('../../bin/ctrain.js', import.meta.url));
const DEMO_TIMEOUT_MS = 600_000;

let home: string;
let env: Record<string, string | undefined>;
let servePort: number;
let first: { exitCode: number; stdout: string };

async function ctrain(args: string[], timeout = 120_000): Promise<{ exitCode: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const result = await execa(process.execPath, [CLI, ...args], { env, extendEnv: false, reject: false, timeout, all: false });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

async function devStatus(): Promise<DevStackStatus> {
  return JSON.parse((await ctrain(['dev', 'status', '--json'])).stdout) as DevStackStatus;
}

/** The flight-delay summary block: from its heading to the next blank line. */
function summaryOf(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('ctrain demo: summary'));
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ctrain-demo-'));
  servePort = await freePort();
  // The stack's addresses follow from the ports below, not from the shared test stack's.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'CTRAIN_TEMPORAL_ADDRESS' && name !== 'CTRAIN_MINIO_ENDPOINT'));
  env = {
    ...inherited,
    CTRAIN_HOME: home,
    CTRAIN_TEMPORAL_PORT: String(await freePort()),
    CTRAIN_TEMPORAL_UI_PORT: String(await freePort()),
    CTRAIN_MINIO_PORT: String(await freePort()),
    CTRAIN_MINIO_CONSOLE_PORT: String(await freePort()),
    CTRAIN_SERVE_PORT: String(servePort),
    CTRAIN_DEBUG: '',
  };
  first = await ctrain(['demo'], DEMO_TIMEOUT_MS);
}, DEMO_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (!home) return;
  await ctrain(['dev', 'down']);
  await rm(home, { recursive: true, force: true });
}, 120_000);

describe('after npm run demo', () => {
  it('the demo trained, registered and served flight-delay and left everything running', () => {
    expect(first.exitCode, first.stdout).toBe(0);
    const summary = summaryOf(first.stdout);
    expect(summary.find((line) => line.includes('registry'))).toMatch(/flight-delay v\d+ registered by this run/);
    expect(summary.find((line) => line.includes('baseline (test)'))).toMatch(/baseline \(test\) +prior rate .+: auc=\d/);
    expect(first.stdout).toContain('Everything keeps running');
    expect(first.stdout).toMatch(/try next:\n {4}npx ctrain models ls/);
  });

  it('every command it suggests answers against the stack it left', async () => {
    const status = await devStatus();
    expect(status.healthy, JSON.stringify(status)).toBe(true);
    expect(status.services.map((service) => service.name)).toEqual(['temporal', 'minio', 'general-worker', 'trainer-worker', 'model-server']);

    const ls = await ctrain(['models', 'ls', '--json']);
    expect(ls.exitCode, ls.stderr).toBe(0);
    const models = (JSON.parse(ls.stdout) as Registry[]).map((registry) => registry.modelName);
    expect(models).toEqual(expect.arrayContaining(['flight-delay', 'seattle-live']));

    const show = await ctrain(['models', 'show', 'flight-delay']);
    expect(show.exitCode, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/baseline/);

    const watch = await ctrain(['watch', 'flight-delay']);
    expect(watch.exitCode, watch.stderr).toBe(0);
    expect(watch.stdout).toMatch(/deploy/);

    const check = await ctrain(['drift', 'check', 'seattle-live']);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/seattle-live/);

    const predict = await fetch(`http://127.0.0.1:${servePort}/v1/models/flight-delay/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rows: [{ date: '2001-04-01T14:30:00Z', distance: 500, origin: 'SEA', destination: 'SFO' }] }),
    });
    expect(predict.status, await predict.clone().text()).toBe(200);
    const { predictions } = (await predict.json()) as { predictions: { score: number }[] };
    expect(predictions[0]!.score).toBeGreaterThanOrEqual(0);
  });

  it('a second demo reuses what the first trained and says so, repeating none of its result lines', async () => {
    const second = await ctrain(['demo'], DEMO_TIMEOUT_MS);
    expect(second.exitCode, second.stdout).toBe(0);
    const firstRunId = decodeURIComponent(/Web UI \(this run\) \S+\/workflows\/(\S+)/.exec(first.stdout)?.[1] ?? '');
    expect(firstRunId).toMatch(/^flight-delay\.train\./);

    const summary = summaryOf(second.stdout);
    expect(summary.find((line) => line.includes('dataset version'))).toContain(`(unchanged since run ${firstRunId})`);
    expect(summary.find((line) => line.includes('metrics (test)'))).toMatch(/\(v\d+'s, reused\)$/);
    expect(summary.find((line) => line.includes('registry'))).toMatch(/reused, nothing new registered/);
    expect(second.stdout).toMatch(new RegExp(`unchanged — the same data and spec as version \\d+ \\(run ${firstRunId.replaceAll('.', '\\.')}\\), reused`));
    // The links to the model workflows are the same page both times; every result line differs.
    const earlier = new Set(summaryOf(first.stdout));
    expect(summary.filter((line) => earlier.has(line) && !/^ {2}model workflow/.test(line))).toEqual([]);
    expect(second.stdout).toMatch(/unchanged: these days are the data v\d+ was trained on/);
    const took = (stdout: string): string | undefined => /ctrain demo: done in (\S+ s)/.exec(stdout)?.[1];
    console.log(`demo took ${took(first.stdout)} the first time, ${took(second.stdout)} the second`);
  }, DEMO_TIMEOUT_MS);

  it('the supervisor restarts a worker that dies, and dev status counts the restart', async () => {
    const before = (await devStatus()).services.find((service) => service.name === 'general-worker')!;
    expect(before.pid).toBeGreaterThan(0);
    process.kill(before.pid!, 'SIGKILL');
    await eventually('the general worker restarted', async () => {
      const after = (await devStatus()).services.find((service) => service.name === 'general-worker')!;
      return after.state === 'running' && after.pid !== before.pid && after.restarts === before.restarts + 1;
    }, 120, 500);
    const text = await ctrain(['dev', 'status']);
    expect(text.stdout).toMatch(/general-worker +running \(pid \d+\), 1 restart/);
  }, 90_000);

  it('with the workers stopped, the registry still reads and a drift check fails within 10 s naming dev up', async () => {
    await stopDevServices(home);
    const status = await ctrain(['dev', 'status']);
    expect(status.exitCode).toBe(3);
    expect(status.stdout).toMatch(/general-worker +stopped/);

    const ls = await ctrain(['models', 'ls']);
    expect(ls.exitCode, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^flight-delay /m);

    const check = await ctrain(['drift', 'check', 'seattle-live']);
    expect(check.exitCode).toBe(1);
    expect(check.ms).toBeLessThan(10_000);
    expect(check.stderr).toContain('npx ctrain dev up');
  }, 60_000);
});
