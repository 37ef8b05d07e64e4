/**
 * The drift check's statistics on the engine, in their own process: the reference over a
 * Parquet table of reference rows and their scores, the live side over prediction-log JSON
 * Lines, and the comparison (PSI, KS, chi-square, Jensen–Shannon per feature and for the
 * scores). Prints the seconds per part, the process's peak memory and each PSI, which the
 * section holds against the peer's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driftColumns, driftReferenceOfTable, liveOfLoggedRows, predictionLogSql } from '../../drift/engine-drift.js';
import { compareSummaries } from '../../drift/report.js';
import { sqlString, STEP_ENGINE, withEngine } from '../../tabular/engine.js';
import { peakRssMiB } from '../support/child.js';

const [referencePath, livePath, numeric, categorical] = process.argv.slice(2);
const features = driftColumns(numeric!.split(','), categorical!.split(','));
const scratch = await mkdtemp(join(tmpdir(), 'ctrain-bench-drift-'));
const seconds: Record<string, number> = {};
const started = performance.now();
const report = await withEngine(
  async (engine) => {
    let mark = performance.now();
    const lap = (part: string): void => {
      seconds[part] = (performance.now() - mark) / 1000;
      mark = performance.now();
    };
    const reference = await driftReferenceOfTable(engine, `read_parquet(${sqlString(referencePath!)})`, features, { column: 'score' });
    lap('reference');
    const live = await liveOfLoggedRows(engine, predictionLogSql([livePath!]), reference);
    lap('live');
    const judged = compareSummaries(reference, live, { psi: 0.2, ksPValue: 0.01, chiSquarePValue: 0.01, jensenShannon: 0.1, minRows: 1 });
    lap('compare');
    return judged;
  },
  { ...STEP_ENGINE, spillDirectory: scratch },
);
const total = (performance.now() - started) / 1000;
await rm(scratch, { recursive: true, force: true });
const psi: Record<string, number> = Object.fromEntries([...report.features.map((feature): [string, number] => [feature.name, feature.psi]), ['prediction', report.prediction!.psi]]);
console.log(JSON.stringify({ seconds: total, phases: seconds, liveRows: report.rows, psi, peakRssMiB: peakRssMiB() }));
