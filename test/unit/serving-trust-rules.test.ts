/**
 * The model server's trust rules as pure functions (issue 20): the out-of-range rule a version's
 * spec states (refuse or clip, bounds from the training mean and deviation, never past float32),
 * and why an outcome's id is refused (made up, altered, another model's, unsigned past its grace).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pipelineSpecSchema } from '../../contracts/pipeline-spec.js';
import { clipServingRow, FLOAT32_MAX, numericBounds, outOfRangeRule, validateServingRow } from '../../features/serving-row.js';
import { fitTransform } from '../../features/transform.js';
import { PredictionIds } from '../../serving/prediction-ids.js';

// distance: mean 200, population deviation 100; hour: a time part, bounded by its reader.
const transform = fitTransform([{ distance: 100, carrier: 'AA', at: '2024-01-01T10:00:00Z' }, { distance: 300, carrier: 'DL', at: '2024-01-01T11:00:00Z' }], {
  features: { numeric: ['distance'], categorical: ['carrier'], timeParts: { column: 'at', parts: ['hour'] }, impute: 'mean', maxVocabulary: 10 },
  label: { column: 'late', kind: 'binary' },
});
const row = (distance: unknown) => ({ distance, carrier: 'AA', at: '2024-01-02T10:00:00Z' });

describe('numbers outside what a version was trained on', () => {
  it('by default refuses a number more than 1000 deviations from the mean, naming the bounds', () => {
    expect(numericBounds(transform, 1000)).toEqual(new Map([['distance', { low: -99_800, high: 100_200 }]]));
    expect(validateServingRow(transform, row(100_200))).toEqual([]);
    expect(validateServingRow(transform, row(-99_800))).toEqual([]);
    for (const distance of [100_200.001, -99_800.5, 1e39, 1e300, -1e300]) {
      expect(validateServingRow(transform, row(distance))).toEqual([{ field: 'distance', message: `must lie within 1000 training standard deviations of its mean, in [-99800, 100200]; got ${distance}` }]);
    }
  });

  it('takes the spec\'s own deviation count, and never a bound past float32', () => {
    expect(validateServingRow(transform, row(501), outOfRangeRule({ maxDeviations: 3 }))).toEqual([{ field: 'distance', message: 'must lie within 3 training standard deviations of its mean, in [-100, 500]; got 501' }]);
    expect(numericBounds(transform, 1e300).get('distance')).toEqual({ low: -FLOAT32_MAX, high: FLOAT32_MAX });
    expect(validateServingRow(transform, row(1e39), outOfRangeRule({ maxDeviations: 1e300 }))).toHaveLength(1);
  });

  it("under 'clip' takes the row and scores the nearest bound, saying which field was clipped", () => {
    const clip = outOfRangeRule({ policy: 'clip' });
    expect(validateServingRow(transform, row(1e300), clip)).toEqual([]);
    expect(clipServingRow(transform, row(1e300), clip)).toEqual({ row: row(100_200), clipped: [{ field: 'distance', value: 1e300, to: 100_200 }] });
    expect(clipServingRow(transform, row(-1e39), clip).clipped).toEqual([{ field: 'distance', value: -1e39, to: -99_800 }]);
    const inside = row(250);
    expect(clipServingRow(transform, inside, clip).row).toBe(inside);
    expect(clipServingRow(transform, row(null), clip)).toEqual({ row: row(null), clipped: [] });
    // Still no number at all: a string or an overflowing JSON literal is refused, not clipped.
    expect(validateServingRow(transform, row('1e300'), clip)).toEqual([{ field: 'distance', message: 'must be a finite number' }]);
  });

  it('is a deploy setting the spec may state, checked like the rest', () => {
    const spec = (outOfRange: unknown) => pipelineSpecSchema.safeParse({ ...flightSpec(), deploy: { outOfRange } });
    expect(spec({ policy: 'clip' }).data?.deploy.outOfRange).toEqual({ policy: 'clip', maxDeviations: 1000 });
    const unset = spec(undefined);
    expect([unset.success, unset.data?.deploy.outOfRange]).toEqual([true, undefined]);
    expect(spec({ policy: 'wrap' }).success).toBe(false);
    expect(spec({ maxDeviations: 0 }).success).toBe(false);
    expect(spec({ maxDeviations: 1e7 }).success).toBe(false);
  });
});

describe('outcome ids', () => {
  const ids = new PredictionIds(randomBytes(32));
  const later = { others: ['flights', 'weather'], unsignedUntil: new Date('2999-01-01T00:00:00Z') };
  const past = { ...later, unsignedUntil: new Date('2000-01-01T00:00:00Z') };

  it('takes an id issued for the model, and says why any other is refused', () => {
    const id = ids.issue('flights');
    expect(ids.refusal('flights', id, past)).toBeUndefined();
    expect(ids.refusal('weather', id, past)).toBe('the id of a prediction of model "flights", not of "weather"');
    const altered = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    const forged = `${randomUUID()}.${'A'.repeat(22)}`;
    for (const bad of [altered, forged, `${id}x`, id.slice(0, 36), '', '.', 'x'.repeat(10_000)]) {
      expect(ids.refusal('flights', bad, past), bad.slice(0, 40)).toMatch(/^(not the id of a prediction this server made|an unsigned id)/);
    }
    expect(new PredictionIds(randomBytes(32)).refusal('flights', id, past)).toBe('not the id of a prediction this server made (made up, or altered)');
  });

  it('signs the ids of a request together, each its own UUID, and still takes ids signed earlier with HMAC-SHA256', () => {
    const key = randomBytes(32);
    const signer = new PredictionIds(key);
    const batch = signer.issueMany('flights', 300);
    expect(new Set(batch).size).toBe(300);
    for (const id of batch) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.[A-Za-z0-9_-]{22}$/);
      expect(signer.issued('flights', id)).toBe(true);
      expect(signer.issued('weather', id)).toBe(false);
    }
    // A signature moved onto another UUID of the same request does not verify.
    expect(signer.issued('flights', `${batch[0]!.slice(0, 36)}${batch[1]!.slice(36)}`)).toBe(false);
    // How servers signed ids before: the first 128 bits of HMAC-SHA256 over model and UUID.
    const uuid = randomUUID();
    const earlier = `${uuid}.${createHmac('sha256', key).update(`flights\n${uuid}`).digest('base64url').slice(0, 22)}`;
    expect(signer.refusal('flights', earlier, past)).toBeUndefined();
    expect(signer.refusal('weather', earlier, past)).toBe('the id of a prediction of model "flights", not of "weather"');
    // A signature of the right length in characters but not in bytes is refused, not thrown on.
    expect(signer.issued('flights', `${uuid}.${'é'.repeat(22)}`)).toBe(false);
  });

  it('hands out ids minted ahead one request at a time, each once, for its own model, verifiable by a replica with the key', () => {
    const key = randomBytes(32);
    const signer = new PredictionIds(key);
    const replica = new PredictionIds(key);
    const handed: { model: string; id: string }[] = [];
    // Past the 512 minted at once, with two models taking turns and one request larger than a minting.
    for (let request = 0; request < 700; request++) {
      const model = request % 2 === 0 ? 'flights' : 'weather';
      const count = request === 350 ? 600 : 1 + (request % 3);
      for (const id of signer.issueMany(model, count)) handed.push({ model, id });
    }
    expect(new Set(handed.map(({ id }) => id)).size).toBe(handed.length);
    for (const { model, id } of handed) {
      expect(replica.issued(model, id)).toBe(true);
      expect(replica.issued(model === 'flights' ? 'weather' : 'flights', id)).toBe(false);
    }
  });

  it('takes a bare UUID, as servers issued before signing, only until the grace ends', () => {
    const bare = randomUUID();
    expect(ids.refusal('flights', bare, later)).toBeUndefined();
    expect(ids.refusal('flights', bare, past)).toBe('an unsigned id, as servers issued before ids were signed; those were taken until 2000-01-01T00:00:00.000Z');
    expect(ids.refusal('flights', bare.toUpperCase(), later)).toBe('not the id of a prediction this server made (made up, or altered)');
  });
});

function flightSpec(): Record<string, unknown> {
  return {
    name: 'flights',
    source: { uri: 'data/flights.csv', format: 'csv' },
    features: { numeric: ['distance'], categorical: [] },
    label: { column: 'late', kind: 'binary' },
    split: { by: 'hash', keys: ['id'], test: 0.2, validation: 0.1 },
    evaluation: { metric: 'auc', threshold: 0.6 },
  };
}
