/**
 * One memory-bounded job in a process of its own, so its peak RSS growth is its own and not what
 * earlier tests in the same worker left in the allocator. Run by `peakRssInChild`; prints one JSON line.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createIngestActivities } from '../../activities/ingest.js';
import type { PipelineSpec } from '../../contracts/pipeline-spec.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import type { TestStack } from '../../harness/test-stack.js';
import { ObjectStore } from '../../storage/gateway.js';
import { withEngine } from '../../tabular/engine.js';
import { readRows } from '../../tabular/read.js';
import { computeStatistics } from '../../tabular/statistics.js';
import { peakRssGrowth } from './bad-inputs.js';

// The job, and its one argument: the CSV's path to read, or the spec (JSON) to ingest.
const [job, argument] = process.argv.slice(2);

async function run(): Promise<{ result: unknown; growth: number }> {
  if (job === 'read-statistics') {
    const measured = await peakRssGrowth(() => computeStatistics(readRows(argument!, 'csv')));
    return { result: { rowCount: measured.result.rowCount, columns: measured.result.columns.map((column) => column.name) }, growth: measured.growth };
  }
  if (job === 'ingest') {
    const stack = JSON.parse(process.env.CTRAIN_TEST_STACK!) as TestStack;
    const storage = new ObjectStore(stack.minio);
    const activities = createIngestActivities({ storage, dvc: new Dvc(stack.tools.dvc, datasetRemote(stack.minio)) });
    // The engine's library loads once per process, like Node's own code: what is bounded is each ingest's use.
    await withEngine((engine) => engine.run('select 1'));
    const spec = JSON.parse(argument!) as PipelineSpec;
    return peakRssGrowth(() => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(() => activities.ingest({ spec })));
  }
  throw new Error(`unknown job ${job}`);
}

process.stdout.write(`${JSON.stringify(await run())}\n`);
