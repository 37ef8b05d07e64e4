import { describe, expect, it } from 'vitest';
import { toEpochMs } from '../../features/time.js';
import { parseDatetime } from '../../tabular/datetime.js';
import { sqlString, withEngine } from '../../tabular/engine.js';
import { isoTextMsSql } from '../../tabular/time-sql.js';

// Each text with the instant it is, or undefined for text that is no time.
const TEXTS: [string, number | undefined][] = [
  ['2001-01-31', Date.UTC(2001, 0, 31)],
  ['2001-01-31T08:30:00Z', Date.UTC(2001, 0, 31, 8, 30)],
  ['2001-01-31 08:30:15.5+01:00', Date.UTC(2001, 0, 31, 7, 30, 15, 500)],
  // Year first with slashes, as vega-datasets' flights and GitHub exports write them: never ambiguous.
  ['2001/01/31', Date.UTC(2001, 0, 31)],
  ['2001/01/31 00:47', Date.UTC(2001, 0, 31, 0, 47)],
  ['2015/01/01 01:00:00', Date.UTC(2015, 0, 1, 1)],
  // Day and month in either order, month names, mixed separators: refused, not guessed.
  ['01/02/2001', undefined],
  ['Jan 1 2000', undefined],
  ['2001-01/31', undefined],
  ['2001/13/01', undefined],
];

describe('times written as text', () => {
  it('are read alike row by row (features, validate) and by the engine (feature, windows, drift)', async () => {
    const engine = await withEngine((db) => db.rows<{ ms: number | null }>(`select ${isoTextMsSql('t')} as ms from (values ${TEXTS.map(([text]) => `(${sqlString(text)})`).join(', ')}) as v(t)`));
    const expected = TEXTS.map(([, ms]) => ms);
    expect(TEXTS.map(([text]) => toEpochMs(text))).toEqual(expected);
    expect(TEXTS.map(([text]) => parseDatetime(text))).toEqual(expected.map((ms) => ms ?? Number.NaN));
    expect(engine.map(({ ms }) => ms ?? undefined)).toEqual(expected);
  });
});
