import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createIngestActivities } from '../../activities/ingest.js';
import type { IngestManifest } from '../../contracts/pipeline-run.js';
import type { PipelineSpec, PipelineSpecInput } from '../../contracts/pipeline-spec.js';
import { modelWorkflowId } from '../../contracts/model.js';
import { driftScheduleId } from '../../contracts/schedules.js';
import { BUCKETS } from '../../contracts/stack.js';
import { requestRun, waitForRun } from '../../clients/model-client.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import { loadPipeline, registerPipeline } from '../../pipelines/index.js';
import seattleTemperature from '../../pipelines/seattle-temperature.js';
import { PROJECT_ROOT } from '../../stack/paths.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';
import { snapshotRows } from '../support/snapshot-rows.js';

/**
 * Data windows on the real MinIO and DVC: a source of dated objects (Seattle's weather, one CSV
 * object a month), read together, and the spec's window taken over them; the run's lineage names
 * the window and the objects, and a retraining after a new month arrives reads the newest window.
 */
const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
const ingest = createIngestActivities({ storage, dvc: new Dvc(stack.tools.dvc, datasetRemote(stack.minio)) });
const prefix = `window-test-${randomUUID().slice(0, 8)}`;

const [header, ...lines] = readFileSync(join(PROJECT_ROOT, 'node_modules/vega-datasets/data/seattle-weather.csv'), 'utf8').trim().split('\n');
/** The days of one month (YYYY-MM) as a CSV object's text. */
const month = (yearMonth: string): string => [header, ...lines.filter((line) => line.startsWith(yearMonth))].join('\n') + '\n';
const put = (name: string, text: string) => storage.putBuffer({ bucket: BUCKETS.datasets, key: `${prefix}/${name}` }, Buffer.from(text), 'text/csv');
const uri = (pattern: string) => `s3://${BUCKETS.datasets}/${prefix}/${pattern}`;

function runIngest(spec: PipelineSpec): Promise<IngestManifest> {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(() => ingest.ingest({ spec }));
}
const specWith = (source: PipelineSpecInput['source']): PipelineSpec => ({ ...loadPipeline('seattle-temperature'), name: `window-${randomUUID().slice(0, 8)}`, source: { ...source, window: source.window && { from: 'newest', ...source.window } } });

beforeAll(async () => {
  for (const yearMonth of ['2015-09', '2015-10', '2015-11', '2015-12']) await put(`${yearMonth}.csv`, month(yearMonth));
});

describe('a source of dated objects', () => {
  it('reads every object a * pattern matches, in name order, as one dataset, and names them', async () => {
    const manifest = await runIngest(specWith({ uri: uri('2015-*.csv'), format: 'csv' }));
    expect(manifest.rows).toBe(30 + 31 + 30 + 31);
    expect(manifest.sourceObjects).toEqual(['2015-09', '2015-10', '2015-11', '2015-12'].map((m) => uri(`${m}.csv`)));
    expect(manifest.window).toBeUndefined();
    const rows = await snapshotRows(await storage.getBuffer(manifest.snapshot));
    expect(rows.map((row) => String(row.date).slice(0, 10))).toEqual(expect.arrayContaining(['2015-09-01', '2015-12-31']));
  });

  it('keeps only the window: the last 30 days before the newest row, and says which and how many', async () => {
    const manifest = await runIngest(specWith({ uri: uri('2015-*.csv'), format: 'csv', window: { column: 'date', last: '30 days' } }));
    expect(manifest.window).toEqual({ column: 'date', last: '30 days', from: 'newest', since: '2015-12-01T00:00:00.000Z', until: '2015-12-31T00:00:00.000Z', sourceRows: 122, rows: 30, withoutTime: 0 });
    expect(manifest.rows).toBe(30);
    const rows = await snapshotRows(await storage.getBuffer(manifest.snapshot));
    expect(rows.map((row) => String(row.date).slice(0, 10))).toEqual(Array.from({ length: 30 }, (_, i) => `2015-12-${String(i + 2).padStart(2, '0')}`));
    // The same objects give the same version.
    expect((await runIngest(specWith({ uri: uri('2015-*.csv'), format: 'csv', window: { column: 'date', last: '30 days' } }))).datasetVersion).toBe(manifest.datasetVersion);
  });

  it('refuses clearly: no object matching, a header that differs, a window with no rows, a window column that is no time', async () => {
    const failure = async (spec: PipelineSpec) => (await runIngest(spec).then(() => undefined, (error: unknown) => error)) as ApplicationFailure;
    const none = await failure(specWith({ uri: uri('2031-*.csv'), format: 'csv' }));
    expect(none).toBeInstanceOf(ApplicationFailure);
    expect(none.message).toBe(`No object matches the source ${uri('2031-*.csv')}.`);
    expect(none.nonRetryable).toBe(true);

    await put('odd/2015-01.csv', month('2015-01'));
    await put('odd/2015-02.csv', month('2015-02').replace('date,', 'day,'));
    const odd = await failure(specWith({ uri: uri('odd/2015-*.csv'), format: 'csv' }));
    expect(odd.message).toBe(`${uri('odd/2015-*.csv')}: 2015-02.csv line 1: its header (day, precipitation, temp_max, temp_min, wind, weather) differs from the first object's (date, precipitation, temp_max, temp_min, wind, weather)`);

    const empty = await failure(specWith({ uri: uri('2015-*.csv'), format: 'csv', window: { column: 'date', last: '30 days', from: 'now' } }));
    expect(empty.message).toMatch(/has no rows in the window: none of its 122 rows has date after \d{4}-\d\d-\d\dT.*Z \(the last 30 days before now, .*\)\.$/);

    const weather = await failure(specWith({ uri: uri('2015-*.csv'), format: 'csv', window: { column: 'weather', last: '30 days' } }));
    expect(weather.message).toMatch(/source\.window\.column "weather" holds no time in any row$/);
  });
});

describe.sequential('retraining on the newest window, through the model workflow', () => {
  const modelName = `window-model-${randomUUID().slice(0, 6)}`;
  let temporal: Awaited<ReturnType<typeof connectTemporal>>;
  let workers: RunningWorkers;

  beforeAll(async () => {
    // A year a window: the reference schema's ranges, from the first year, hold for the next window.
    for (let m = 1; m <= 12; m++) await put(`model/2013-${String(m).padStart(2, '0')}.csv`, month(`2013-${String(m).padStart(2, '0')}`));
    registerPipeline({
      ...seattleTemperature,
      name: modelName,
      source: { uri: uri('model/*.csv'), format: 'csv', window: { column: 'date', last: '365 days' } },
      training: { ...seattleTemperature.training, epochs: 3 },
      deploy: { ...seattleTemperature.deploy, soak: '1 second' },
      drift: { ...seattleTemperature.drift, cooldown: '1 second' },
    });
    temporal = await connectTemporal(stack);
    workers = await startWorkers(stack, temporal);
  });
  afterAll(async () => {
    await temporal?.client.schedule.getHandle(driftScheduleId(modelName)).delete().catch(() => undefined);
    await temporal?.client.workflow.getHandle(modelWorkflowId(modelName)).terminate('data-window test done').catch(() => undefined);
    await workers?.stop();
    await temporal?.close();
  });

  const train = async (reason: string) => {
    const { runId } = await requestRun(temporal.client, modelName, { reason, source: 'cli' }, workers);
    const { run, registry } = await waitForRun(temporal.client, modelName, runId);
    expect(run.error).toBeUndefined();
    return registry.versions.find((version) => version.runId === runId)!;
  };

  it('registers the window and the objects read with the version; a new month moves the window', async () => {
    const first = await train('2013');
    expect(first.dataWindow).toMatchObject({ since: '2012-12-31T00:00:00.000Z', until: '2013-12-31T00:00:00.000Z', sourceRows: 365, rows: 365 });
    expect(first.sourceObjects).toEqual(Array.from({ length: 12 }, (_, i) => uri(`model/2013-${String(i + 1).padStart(2, '0')}.csv`)));

    await put('model/2014-01.csv', month('2014-01'));
    const second = await train('a new month arrived');
    expect(second.dataWindow).toMatchObject({ since: '2013-01-31T00:00:00.000Z', until: '2014-01-31T00:00:00.000Z', sourceRows: 396, rows: 365 });
    expect(second.sourceObjects).toHaveLength(13);
    expect(second.datasetVersion).not.toBe(first.datasetVersion);
  });
});
