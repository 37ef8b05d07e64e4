/**
 * The drift row's inputs, written once per run: the reference rows (flights with a score per
 * row, Parquet) and the live rows as the model server logs them (JSON Lines, one prediction per
 * line, the input as posted and its score). The score is a fixed function of the delay, so
 * ctrain and the peer read the same numbers.
 */
import { join } from 'node:path';
import { sqlString, withEngine } from '../../tabular/engine.js';
import { FLIGHTS } from './datasets.js';

export const DRIFT_NUMERIC = ['delay', 'distance'];
export const DRIFT_CATEGORICAL = ['origin', 'destination'];

/** The first `referenceRows` flights as the reference, the last `liveRows` (later in the season) as the live traffic. */
export async function writeDriftInputs(dir: string, referenceRows: number, liveRows: number): Promise<{ reference: string; live: string }> {
  const reference = join(dir, 'drift-reference.parquet');
  const live = join(dir, 'drift-live.jsonl');
  const score = '1 / (1 + exp(-(coalesce(delay, 0) - 15) / 20.0))';
  await withEngine(async (engine) => {
    await engine.run(`create table flights as select *, row_number() over () as n from read_parquet(${sqlString(FLIGHTS)})`);
    const [{ total = 0n } = {}] = await engine.rows<{ total: bigint }>('select count(*) as total from flights');
    await engine.run(`copy (select date, delay, distance, origin, destination, ${score} as score from flights where n <= ${referenceRows} order by n) to ${sqlString(reference)} (format parquet, compression zstd)`);
    const input = `{'date': strftime(date, '%Y-%m-%dT%H:%M:%SZ'), 'delay': delay, 'distance': distance, 'origin': origin, 'destination': destination}`;
    await engine.run(
      `copy (select 2 as format, 'p' || n as id, strftime(timestamp '2026-06-01' + to_seconds(n), '%Y-%m-%dT%H:%M:%SZ') as "at", 'flight-delay' as model, 1 as version, 'production' as alias, 'r' || (n // 64) as requestId, ${input} as input, ${score} as score ` +
        `from flights where n > ${Number(total) - liveRows} order by n) to ${sqlString(live)} (format json)`,
    );
  });
  return { reference, live };
}
