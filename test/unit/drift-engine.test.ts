import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatVersionError } from '../../contracts/format-version.js';
import { checkLogFormat, driftColumns, driftReferenceOfTable, judgeLoggedTraffic, liveOfLoggedRows, predictionLogSql } from '../../drift/engine-drift.js';
import { buildDriftReference } from '../../drift/reference.js';
import { compareSummaries, compareToReference } from '../../drift/report.js';
import type { InputRow } from '../../features/values.js';
import { FeatureValueError } from '../../features/values.js';
import { withEngine } from '../../tabular/engine.js';
import type { Engine } from '../../tabular/engine.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctrain-drift-engine-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ODDS = [0.1750862681640398, 0.2141650169574414, 0.24973989440488234, 0.27888482197713693, 0.31002551887238755, 0.35434369377420455, 0.401312339887548];

/** Rows with every kind of value the readers meet: decimals, nulls, '', ties, numbers and booleans as categories. */
function makeRows(n: number, shift = 0): InputRow[] {
  return Array.from({ length: n }, (_, i) => {
    const u = ((i + 1) * 0.6180339887498949) % 1;
    return {
      age: Math.round((20 + 60 * u + shift) * 10) / 10,
      income: i % 20 === 0 ? null : 1000 + Math.floor(4000 * ((u * 7) % 1)),
      // Few distinct values of 17 significant digits (0.24973989440488234 read as a SQL literal is one unit off): bin edges fall on values, which must stay on their side.
      odds: ODDS[(i + Math.round(shift)) % ODDS.length]!,
      city: i % 10 === 9 ? null : i % 31 === 0 ? '' : ['paris', 'lyon', 'nice', 'Zoë'][i % 4]!,
      rooms: [1, 2.5, 3, 1e21][i % 4]!,
      owner: i % 3 === 0,
    };
  });
}
const score = (row: InputRow, i: number): number => 1 / (1 + Math.exp(-((row.age as number) - 50) / 10)) + (i % 7) * 1e-3;
const NUMERIC = ['age', 'income', 'odds'];
const CATEGORICAL = ['city', 'rooms', 'owner'];
const thresholds = { psi: 0.2, ksPValue: 0.01, chiSquarePValue: 0.01, jensenShannon: 0.1, minRows: 100 };

async function parquetOf(engine: Engine, name: string, rows: readonly InputRow[], scores: readonly number[] = []): Promise<string> {
  const jsonl = join(dir, `${name}.jsonl`);
  await writeFile(jsonl, rows.map((row, i) => JSON.stringify({ ...row, p: scores[i] ?? null })).join('\n'));
  const parquet = join(dir, `${name}.parquet`);
  await engine.run(`copy (select * from read_json('${jsonl}', columns = {age: 'DOUBLE', income: 'DOUBLE', odds: 'DOUBLE', city: 'VARCHAR', rooms: 'DOUBLE', owner: 'BOOLEAN', p: 'DOUBLE'})) to '${parquet}' (format parquet)`);
  return parquet;
}

async function logOf(name: string, rows: readonly InputRow[], scores: readonly number[], format = 2): Promise<string> {
  const path = join(dir, `${name}.jsonl`);
  const lines = rows.map((input, i) => JSON.stringify({ format, id: `p${i}`, at: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`, model: 'm', version: 1, alias: 'production', requestId: 'r', input, score: scores[i] }));
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

describe('drift statistics on the engine', () => {
  const training = makeRows(4000);
  const trainingScores = training.map(score);

  it('computes the same reference as buildDriftReference from the same rows: bins, shares, sample, categories', async () => {
    const fromRows = buildDriftReference({ rows: training, numeric: NUMERIC, categorical: CATEGORICAL, scores: trainingScores, sampleSize: 500 });
    const fromEngine = await withEngine(async (engine) =>
      driftReferenceOfTable(engine, `read_parquet('${await parquetOf(engine, 'training', training)}')`, driftColumns(NUMERIC, CATEGORICAL), { scores: trainingScores }, { sampleSize: 500 }),
    );
    expect(fromEngine).toEqual(fromRows);
    // Columns with many distinct values are ranked row by row instead of counted per value: the same numbers.
    const ranked = await withEngine(async (engine) =>
      driftReferenceOfTable(engine, `read_parquet('${await parquetOf(engine, 'ranked', training)}')`, driftColumns(NUMERIC, CATEGORICAL), { scores: trainingScores }, { sampleSize: 500, fewDistinct: 5 }),
    );
    expect(ranked).toEqual(fromRows);
    // The scores may be a column of the rows too.
    const withColumn = await withEngine(async (engine) =>
      driftReferenceOfTable(engine, `read_parquet('${await parquetOf(engine, 'scored', training, trainingScores)}')`, driftColumns(NUMERIC, CATEGORICAL), { column: 'p' }, { sampleSize: 500 }),
    );
    expect(withColumn.prediction).toEqual(fromRows.prediction);
  });

  it('judges logged rows as compareToReference judges the same rows, drifted or not', async () => {
    const reference = buildDriftReference({ rows: training, numeric: NUMERIC, categorical: CATEGORICAL, scores: trainingScores });
    for (const [name, live] of [['steady', makeRows(1500)], ['shifted', makeRows(1500, 12).map((row, i) => ({ ...row, city: i % 5 === 0 ? 'marseille' : row.city }))]] as const) {
      const scores = live.map(score);
      const path = await logOf(name, live, scores);
      const fromEngine = await withEngine(async (engine) => compareSummaries(reference, await liveOfLoggedRows(engine, predictionLogSql([path]), reference), thresholds));
      expect(fromEngine).toEqual(compareToReference(reference, live, scores, thresholds));
    }
  });

  it('keeps the time parts the model derives, read from their column as text, timestamps or epoch ms, and catches a shift in them alone', async () => {
    const timeParts = { column: 'at', parts: ['hour', 'dayOfWeek'] as const };
    // Every hour of a fortnight, round the clock; the same instants each way the column can hold them.
    const hourly = (n: number, firstHour: number, stride = 1) => Array.from({ length: n }, (_, i) => Date.UTC(2026, 0, 5) + (firstHour + i * stride) * 3_600_000);
    const asText = (ms: number, i: number) => (i % 3 === 0 ? new Date(ms).toISOString() : i % 3 === 1 ? new Date(ms).toISOString().replace('.000Z', '+00:00') : new Date(ms).toISOString().slice(0, 19));
    const rows = training.map((row, i) => ({ ...row, at: asText(hourly(training.length, 0)[i]!, i) }));
    const fromRows = buildDriftReference({ rows, numeric: NUMERIC, categorical: CATEGORICAL, timeParts, scores: trainingScores, sampleSize: 500 });
    expect(fromRows.features.map((feature) => feature.name)).toEqual([...NUMERIC, 'at.hour', 'at.dayOfWeek', ...CATEGORICAL]);
    expect(fromRows.features[3]).toMatchObject({ name: 'at.hour', kind: 'numeric', source: { column: 'at', timePart: 'hour' } });
    const columns = driftColumns(NUMERIC, CATEGORICAL, timeParts);
    for (const [type, cast] of [['VARCHAR', '"at"'], ['TIMESTAMP', 'cast("at" as timestamptz)::timestamp'], ['BIGINT', 'epoch_ms(cast("at" as timestamptz))']] as const) {
      const fromEngine = await withEngine(async (engine) => {
        const jsonl = join(dir, `timed-${type}.jsonl`);
        await writeFile(jsonl, rows.map((row) => JSON.stringify(row)).join('\n'));
        const parquet = join(dir, `timed-${type}.parquet`);
        await engine.run(`copy (select * replace (${cast} as "at") from read_json('${jsonl}', columns = {age: 'DOUBLE', income: 'DOUBLE', odds: 'DOUBLE', city: 'VARCHAR', rooms: 'DOUBLE', owner: 'BOOLEAN', "at": 'VARCHAR'})) to '${parquet}' (format parquet)`);
        return driftReferenceOfTable(engine, `read_parquet('${parquet}')`, columns, { scores: trainingScores }, { sampleSize: 500 });
      });
      expect(fromEngine, type).toEqual(fromRows);
    }

    // Live traffic of the same rows, at night only (hours 0–5) and as epoch ms: the hour drifts, nothing else does.
    const night = makeRows(1500).map((row, i) => ({ ...row, at: hourly(1500, 0, 1)[i]! - ((i % 24) - (i % 6)) * 3_600_000 }));
    const scores = night.map(score);
    const path = await logOf('night', night, scores);
    const judged = await withEngine(async (engine) => compareSummaries(fromRows, await liveOfLoggedRows(engine, predictionLogSql([path]), fromRows), { psi: 0.2, minRows: 100 }));
    expect(judged).toEqual(compareToReference(fromRows, night, scores, { psi: 0.2, minRows: 100 }));
    expect(judged.driftedFeatures).toEqual(['at.hour']);

    // A value that is no time is named by its column.
    const wrong = await logOf('wrong-time', night.map((row, i) => (i === 7 ? { ...row, at: 'yesterday' } : row)), scores);
    const error = await withEngine((engine) => liveOfLoggedRows(engine, predictionLogSql([wrong]), fromRows)).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('column "at": expected an ISO 8601 date-time (such as 2000-01-31 or 2000-01-31T08:30:00Z), a Date or epoch milliseconds, got string "yesterday"');
  });

  it('names the column of a wrongly typed logged value, as the row reader does', async () => {
    const reference = buildDriftReference({ rows: training, numeric: NUMERIC, categorical: CATEGORICAL, scores: trainingScores });
    const live = makeRows(200).map((row, i) => (i === 150 ? { ...row, income: 'lots' } : row));
    const path = await logOf('wrong', live, live.map(score));
    const error = await withEngine((engine) => liveOfLoggedRows(engine, predictionLogSql([path]), reference)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FeatureValueError);
    expect((error as Error).message).toBe('column "income": expected a finite number, got string "lots"');
  });

  it('refuses a log line of a newer format, naming the object', async () => {
    const path = await logOf('newer', makeRows(3), [0.1, 0.2, 0.3], 9);
    const error = await withEngine((engine) => checkLogFormat(engine, predictionLogSql([path]))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FormatVersionError);
    expect((error as Error).message).toBe('a line of newer.jsonl in the prediction log has format 9; this ctrain reads formats 1 to 3: upgrade ctrain to read it');
  });

  it('judges the traffic of one version since a time, and pairs outcomes that arrived after a time with their predictions, the first outcome of an id counting', async () => {
    const reference = buildDriftReference({ rows: training, numeric: NUMERIC, categorical: CATEGORICAL, scores: trainingScores });
    const live = makeRows(600);
    const scores = live.map(score);
    const lines = live.map((input, i) => JSON.stringify({ format: 2, id: `p${i}`, at: `2026-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`, version: i % 3 === 0 ? 2 : 1, input, score: scores[i] }));
    const predictions = join(dir, 'judged-predictions.jsonl');
    await writeFile(predictions, lines.join('\n') + '\n');
    // p1 twice (the first outcome counts, and when it arrived), p4 twice with the earlier arrival written later, p2 as a boolean, p3 for version 2 (not counted), p999 never predicted, p5 arrived too early.
    const outcomes = join(dir, 'judged-outcomes.jsonl');
    const arrivals = [{ id: 'p1', label: 1 }, { id: 'p2', label: true, at: '2026-01-02T00:00:01Z' }, { id: 'p1', label: 0, at: '2026-01-02T00:00:05Z' }, { id: 'p4', label: 0, at: '2026-01-02T00:00:03Z' }, { id: 'p4', label: 1, at: '2026-01-02T00:00:02Z' }, { id: 'p3', label: 1 }, { id: 'p999', label: 1 }, { id: 'p5', label: 1, at: '2026-01-01T06:00:00Z' }];
    await writeFile(outcomes, arrivals.map((o) => JSON.stringify({ format: 2, at: '2026-01-02T00:00:00Z', model: 'm', ...o })).join('\n') + '\n');
    const since = '2026-01-01T00:05:00Z';

    const judged = await withEngine((engine) =>
      judgeLoggedTraffic(engine, { predictions: [{ path: predictions, key: 'p.jsonl' }], outcomes: [{ path: outcomes, key: 'o.jsonl' }] }, { version: 1, since, outcomesSince: '2026-01-01T12:00:00Z', reference, thresholds }),
    );

    const recent = live.filter((_, i) => i % 3 !== 0 && i >= 300);
    expect(judged.drift).toEqual(compareToReference(reference, recent, scores.filter((_, i) => i % 3 !== 0 && i >= 300), thresholds));
    // In order of arrival, with when each arrived.
    expect(judged.outcomes).toEqual({ labels: [1, 1, 1], scores: [scores[1], scores[2], scores[4]], arrived: ['2026-01-02T00:00:00Z', '2026-01-02T00:00:01Z', '2026-01-02T00:00:02Z'] });
  });

  it('reads a line holding a request’s predictions (format 3) as those predictions, one each', async () => {
    const reference = buildDriftReference({ rows: training, numeric: NUMERIC, categorical: CATEGORICAL, scores: trainingScores });
    const live = makeRows(300);
    const scores = live.map(score);
    const at = '2026-01-01T01:00:00Z';
    const version = (i: number): number => (Math.floor(i / 10) % 4 === 0 ? 2 : 1);
    const perPrediction = join(dir, 'format-2.jsonl');
    await writeFile(perPrediction, live.map((input, i) => JSON.stringify({ format: 2, id: `p${i}`, at, version: version(i), input, score: scores[i] })).join('\n') + '\n');
    // Requests of 10 rows, each answered by one version.
    const perRequest = join(dir, 'format-3.jsonl');
    const requests = Array.from({ length: 30 }, (_, k) => Array.from({ length: 10 }, (_, j) => k * 10 + j));
    await writeFile(perRequest, requests.map((rows) => JSON.stringify({ format: 3, at, version: version(rows[0]!), ids: rows.map((i) => `p${i}`), inputs: rows.map((i) => live[i]), scores: rows.map((i) => scores[i]) })).join('\n') + '\n');
    const outcomes = join(dir, 'format-3-outcomes.jsonl');
    await writeFile(outcomes, [11, 12, 40, 299].map((i) => JSON.stringify({ format: 3, id: `p${i}`, at: '2026-01-02T00:00:00Z', model: 'm', label: i % 2 })).join('\n') + '\n');
    const judge = (path: string) =>
      withEngine((engine) => judgeLoggedTraffic(engine, { predictions: [{ path, key: 'p.jsonl' }], outcomes: [{ path: outcomes, key: 'o.jsonl' }] }, { version: 1, since: '2026-01-01T00:00:00Z', outcomesSince: '2026-01-01T12:00:00Z', reference, thresholds }));
    const [two, three] = [await judge(perPrediction), await judge(perRequest)];
    expect(three).toEqual(two);
    expect(three.drift).toEqual(compareToReference(reference, live.filter((_, i) => version(i) === 1), scores.filter((_, i) => version(i) === 1), thresholds));
    expect(three.outcomes.scores).toEqual([scores[11], scores[12], scores[299]]);
  });
});
