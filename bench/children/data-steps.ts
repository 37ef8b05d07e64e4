/**
 * ctrain's ingest, validate and feature activities on the first N flights, in their own
 * process, against the parent's real MinIO and DVC (the activity context is Temporal's test
 * environment: these steps' orchestration is measured in the orchestration section).
 * Prints rows per second, the time per step and the process's peak resident memory.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { FeatureManifest, IngestManifest } from '../../contracts/pipeline-run.js';
import { createActivities } from '../../activities/index.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import { loadPipeline, registerPipeline } from '../../pipelines/index.js';
import flightDelay from '../../pipelines/flight-delay.js';
import { peakRssMiB } from '../support/child.js';
import { ObjectStore } from '../../storage/gateway.js';

const [rowsArg, endpoint, accessKey, secretKey, dvcBin, name] = process.argv.slice(2);
const minio = { endpoint: endpoint!, accessKey: accessKey!, secretKey: secretKey! };
const rows = Number(rowsArg);
// Its own name per run (no reference schema from another size) and no step cache: every step computes,
// although each repeat ingests the same rows.
const cache = { enabled: false };
registerPipeline({ ...flightDelay, name: name! });
const spec = loadPipeline(name!, { source: { limit: rows } });
const activities = createActivities({ storage: new ObjectStore(minio), dvc: new Dvc(dvcBin!, datasetRemote(minio)) });
const environment = new MockActivityEnvironment();
const seconds: Record<string, number> = {};
const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await work();
  seconds[step] = (performance.now() - started) / 1000;
  return result;
};
const started = performance.now();
const ingest = await timed<IngestManifest>('ingest', () => environment.run(() => activities.ingest({ spec })));
await timed('validate', () => environment.run(() => activities.validate({ spec, specHash: 'bench', ingest, cache })));
const feature = await timed<FeatureManifest>('feature', () => environment.run(() => activities.feature({ spec, ingest, cache })));
const total = (performance.now() - started) / 1000;
console.log(JSON.stringify({ rows: ingest.rows, width: feature.width, seconds: total, phases: seconds, rowsPerSecond: ingest.rows / total, peakRssMiB: peakRssMiB() }));
