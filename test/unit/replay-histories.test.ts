import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowSpanSinks } from '../../infra/tracing.js';
import { PROJECT_ROOT } from '../../stack/paths.js';
import { workflowBundle } from '../../workers/workflow-bundle.js';

const HISTORIES = join(PROJECT_ROOT, 'test', 'fixtures', 'histories');

/**
 * The determinism guard: histories recorded from real runs (scripts/record-histories.ts) replay
 * against today's workflow code. A change that would break a running workflow fails here; such a
 * change needs `patched()` (see the README on workflow versioning) and a fresh recording.
 */
describe('recorded histories', async () => {
  const files = (await readdir(HISTORIES)).filter((file) => file.endsWith('.json')).sort();

  it('cover every workflow type that runs for long', () => {
    const types = new Set(files.map((file) => file.replace(/(?:-\d{4}-\d{2}-\d{2})?-\d+\.json$/, '')));
    expect([...types].sort()).toEqual(['driftCheckWorkflow', 'modelWorkflow', 'trainingPipelineWorkflow']);
  });

  it.each(files)('%s replays with today’s workflow code', async (file) => {
    // The worker reads the CLI's JSON form itself.
    const history = JSON.parse(await readFile(join(HISTORIES, file), 'utf8')) as { events: unknown[] };
    expect(history.events.length).toBeGreaterThan(5);
    // The bundle's tracing interceptors export through a sink: a worker without tracing has one that drops the spans.
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle(), sinks: workflowSpanSinks(undefined) }, history, file)).resolves.toBeUndefined();
  });
});
