import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { failForGoodOn } from '../../activities/unrecoverable.js';
import { FormatVersionError } from '../../contracts/format-version.js';
import { VersionSpecError } from '../../contracts/version-spec.js';
import { PseudonymKeyError } from '../../privacy/pseudonym.js';

describe('errors no retry can fix', () => {
  it.each([
    ['a format newer than this code', new FormatVersionError('registry of "m" has format 3')],
    ['a version whose spec is nowhere', new VersionSpecError('m v1 was registered without its spec')],
    ['personal columns without the key', new PseudonymKeyError('model "m" has personal columns')],
  ])('fail the activity for good on %s, with its message', async (_what, error) => {
    const failure = await failForGoodOn(() => Promise.reject(error)).catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'PipelineSpecError', message: error.message });
  });

  it('pass other errors on as they are, to be retried, and results through', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(failForGoodOn(() => Promise.reject(outage))).rejects.toBe(outage);
    await expect(failForGoodOn(() => 42)).resolves.toBe(42);
  });
});
