/**
 * The train step refuses, for good and before it reads a matrix, splits whose rows the network
 * would read (every category a feature of its own) could not be held by this machine: a wide table
 * of many large vocabularies, which used to fail to allocate on every retry.
 */
import { totalmem } from 'node:os';
import { DefaultLogger } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, inject, it } from 'vitest';
import { createTrainActivities } from '../../activities/train.js';
import type { FeatureManifest } from '../../contracts/pipeline-run.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import { loadPipeline } from '../../pipelines/index.js';
import { ObjectStore } from '../../storage/gateway.js';

const stack = inject('stack');
const storage = new ObjectStore(stack.minio);
const train = createTrainActivities({ storage, dvc: new Dvc(stack.tools.dvc, datasetRemote(stack.minio)) });

describe('the train step', () => {
  it('fails for good, naming the sizes, when the dense rows would not fit in the machine', async () => {
    const blocks = Array.from({ length: 40 }, () => 778);
    const width = 40 + blocks.reduce((sum, block) => sum + block, 0);
    // Enough rows that train and validation outgrow this machine's memory at this width, whatever it is.
    const rows = Math.ceil(totalmem() / (width * 4));
    // Objects that do not exist: the step must refuse before it reads any.
    const ref = (key: string) => ({ bucket: 'artifacts', key: `train-refusal-test/${key}` });
    const split = (n: number) => ({ features: ref('features.f32'), labels: ref('labels.f32'), rows: n });
    const feature: FeatureManifest = {
      step: 'feature',
      cacheKey: 'train-refusal-test',
      cached: false,
      contentHash: `train-refusal-test-${Date.now()}`,
      finishedAt: new Date().toISOString(),
      transform: ref('transform.json'),
      splits: { train: split(rows), validation: split(Math.ceil(rows / 4)), test: split(Math.ceil(rows / 4)) },
      testRows: ref('test.rows.parquet'),
      width,
      rowEncoding: { kind: 'category-slots', numeric: 40, blocks },
    };
    const run = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(() => train.train({ spec: loadPipeline('flight-delay'), feature, cache: { enabled: false } }));
    const failure = await run.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).type).toBe('PipelineSpecError');
    expect((failure as ApplicationFailure).message).toMatch(new RegExp(`^training cannot start: the train and validation rows as the network reads them \\(${rows + Math.ceil(rows / 4)} rows of ${width} float32 features, .*\\) take .* GiB, more than this machine's .* GiB of memory\\. Fewer categorical features \\(40 now\\) or a lower feature\\.maxVocabulary, or fewer rows, would make them fit$`));
  });
});
