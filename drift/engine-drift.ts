/**
 * The drift statistics on the columnar engine: the reference over the test rows' Parquet (or any
 * table), and the live side of a check over the prediction log's JSON Lines objects, read by the
 * engine where they were downloaded. The comparison itself is compareSummaries'.
 */
import { PREDICTION_LOG_FORMAT } from '../contracts/prediction-log.js';
import { FormatVersionError } from '../contracts/format-version.js';
import type { Engine } from '../tabular/engine.js';
import { sqlIdentifier, sqlString } from '../tabular/engine.js';
import type { SummaryOptions } from './engine-summaries.js';
import { liveFromValues, numericSummary, referenceFromValues } from './engine-summaries.js';
import type { DriftFeatureColumn } from './engine-values.js';
import { columnValueSql, jsonValueSql, materializeValues } from './engine-values.js';
import type { DriftReference } from './reference.js';
import { summarizeNumeric, timePartSources } from './reference.js';
import type { TimePart } from '../contracts/pipeline-spec.js';
import type { DriftReport, DriftThresholds, LiveSummary } from './report.js';
import { compareSummaries } from './report.js';

/** The features a reference keeps, in its order: numeric ones, the derived time parts, then categorical ones. */
export const driftColumns = (numeric: readonly string[], categorical: readonly string[], timeParts?: { column: string; parts: readonly TimePart[] }): DriftFeatureColumn[] => {
  const both = numeric.filter((name) => categorical.includes(name));
  if (both.length > 0) throw new RangeError(`feature "${both[0]}" is listed as both numeric and categorical`);
  return [
    ...numeric.map((name) => ({ name, kind: 'numeric' as const })),
    ...timePartSources(timeParts).map(({ name, source }) => ({ name, kind: 'numeric' as const, source })),
    ...categorical.map((name) => ({ name, kind: 'categorical' as const })),
  ];
};

/**
 * The drift reference of the rows `from` reads (a FROM clause, e.g. read_parquet('…')) and the
 * model's scores: given (one per row, in any order), or a column of those rows.
 */
export async function driftReferenceOfTable(
  engine: Engine,
  from: string,
  features: readonly DriftFeatureColumn[],
  prediction: { scores: ArrayLike<number> } | { column: string },
  options: SummaryOptions = {},
): Promise<DriftReference> {
  const described = await engine.rows<{ column_name: string; column_type: string }>(`select column_name, column_type from (describe select * from ${from})`);
  const types = new Map(described.map((column) => [column.column_name, column.column_type]));
  const reads = features.map((feature) => columnValueSql(feature, types.get(feature.source?.column ?? feature.name)));
  const byColumn = 'column' in prediction;
  await materializeValues(engine, 'drift_reference', features, reads, from, byColumn ? [`cast(${sqlIdentifier(prediction.column)} as double) as score`] : []);
  if (byColumn) return referenceFromValues(engine, 'drift_reference', features, await numericSummary(engine, 'drift_reference', 'score', options), options);
  const scores = Array.from(prediction.scores);
  if (scores.length === 0) throw new RangeError('a drift reference needs the model scores of at least one row');
  const badScore = scores.findIndex((s) => !Number.isFinite(s));
  if (badScore >= 0) throw new RangeError(`score at row ${badScore} is ${scores[badScore]}, not a finite number`);
  return referenceFromValues(engine, 'drift_reference', features, summarizeNumeric(scores, options), options);
}

/**
 * Prediction-log predictions as the engine reads them, one row each: the fields drift needs, the
 * input kept as JSON. A line of format 3 holds a request's predictions in lists side by side,
 * unnested together; a line of an earlier format is one prediction.
 */
export function predictionLogSql(files: readonly string[]): string {
  const columns = `{'format': 'BIGINT', 'id': 'VARCHAR', 'at': 'VARCHAR', 'version': 'BIGINT', 'input': 'JSON', 'score': 'DOUBLE', 'ids': 'VARCHAR[]', 'inputs': 'JSON[]', 'scores': 'DOUBLE[]'}`;
  const lines = `read_json([${files.map(sqlString).join(', ')}], format = 'newline_delimited', columns = ${columns}, filename = true)`;
  return `(select format, unnest(coalesce(ids, [id])) as id, "at", version, unnest(coalesce(inputs, [input])) as input, unnest(coalesce(scores, [score])) as score, filename from ${lines})`;
}

/** Outcome lines as the engine reads them; `line` numbers them in file order, to break ties between lines of one arrival time. */
export function outcomeLogSql(files: readonly string[]): string {
  const columns = `{'format': 'BIGINT', 'id': 'VARCHAR', 'at': 'VARCHAR', 'label': 'JSON'}`;
  return `(select *, row_number() over () as line from read_json([${files.map(sqlString).join(', ')}], format = 'newline_delimited', columns = ${columns}, filename = true))`;
}

/** Refuses log lines of a format newer than this code reads (as formatOf does line by line); `keys` names the objects the files were downloaded from. */
export async function checkLogFormat(engine: Engine, from: string, keys: ReadonlyMap<string, string> = new Map()): Promise<void> {
  const [newer] = await engine.rows<{ format: bigint; filename: string }>(`select format, filename from ${from} where coalesce(format, 1) not between 1 and ${PREDICTION_LOG_FORMAT} limit 1`);
  if (newer) {
    const file = keys.get(newer.filename) ?? newer.filename.slice(newer.filename.lastIndexOf('/') + 1);
    throw new FormatVersionError(`a line of ${file} in the prediction log has format ${newer.format}; this ctrain reads formats 1 to ${PREDICTION_LOG_FORMAT}: upgrade ctrain to read it`);
  }
}

/** The live side of a check: the logged rows of `from` (predictions with id, at, input and score) against the reference's buckets. */
export async function liveOfLoggedRows(engine: Engine, from: string, reference: DriftReference): Promise<LiveSummary> {
  const features: DriftFeatureColumn[] = reference.features.map((feature) => ({ name: feature.name, kind: feature.kind, ...(feature.kind === 'numeric' && feature.source ? { source: feature.source } : {}) }));
  // A time part is read from the field of its source column.
  const paths = features.map(({ name, source }) => sqlString(`$."${(source?.column ?? name).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`));
  const fields = features.length > 0 ? `json_extract(input, [${paths.join(', ')}])` : '[]::json[]';
  const reads = features.map((feature, i) => jsonValueSql(feature, `field[${i + 1}]`));
  await materializeValues(engine, 'drift_live', features, reads, `(select score, ${fields} as field from ${from})`, ['score']);
  const [bad] = await engine.rows<{ score: number | null }>(`select score from drift_live where score is null or not isfinite(score) limit 1`);
  if (bad) throw new RangeError(`a logged score is ${bad.score ?? 'missing'}, not a finite number`);
  return liveFromValues(engine, 'drift_live', reference, 'score');
}

/** Log objects downloaded for a check: the local copy and the key it came from. */
export interface LogFile {
  path: string;
  key: string;
}

/** Outcomes fed back for served predictions: the label, the score served, and when the outcome arrived. */
export interface LabelledOutcomes {
  labels: number[];
  scores: number[];
  /** ISO time each outcome arrived (its log line's `at`). */
  arrived: string[];
}

/**
 * Judges one version's logged traffic: its predictions since `since` against the reference, and
 * returns the outcomes that arrived after `outcomesSince` for its predictions, with the scores
 * served for them. An id posted more than once (a retry, a replay) counts once, with the outcome
 * that arrived first (by its `at`: replicas flush their logs in any order), so a later copy
 * neither changes its label nor brings it into a later window again.
 */
export async function judgeLoggedTraffic(
  engine: Engine,
  logs: { predictions: readonly LogFile[]; outcomes: readonly LogFile[] },
  { version, since, outcomesSince, reference, thresholds }: { version: number; since: string; outcomesSince: string; reference: DriftReference; thresholds: DriftThresholds },
): Promise<{ drift: DriftReport; outcomes: LabelledOutcomes }> {
  const keys = new Map([...logs.predictions, ...logs.outcomes].map(({ path, key }) => [path, key]));
  const logged = predictionLogSql(logs.predictions.map(({ path }) => path));
  await checkLogFormat(engine, logged, keys);
  await engine.run(`create or replace temp table served as select id, "at", input, score from ${logged} where version = ${version}`);
  const drift = compareSummaries(reference, await liveOfLoggedRows(engine, `(select * from served where "at" > ${sqlString(since)})`, reference), thresholds);
  if (logs.outcomes.length === 0) return { drift, outcomes: { labels: [], scores: [], arrived: [] } };
  const outcomes = outcomeLogSql(logs.outcomes.map(({ path }) => path));
  await checkLogFormat(engine, outcomes, keys);
  const first = `select id, label, "at" as arrived from (select id, label, "at", row_number() over (partition by id order by "at", line) as nth from ${outcomes}) where nth = 1`;
  const labelled = await engine.rows<{ label: string; score: number; arrived: string }>(
    `select cast(o.label as varchar) as label, s.score, o.arrived from served s join (${first}) o using (id) where o.arrived > ${sqlString(outcomesSince)} order by o.arrived`,
  );
  return { drift, outcomes: { labels: labelled.map((row) => Number(JSON.parse(row.label))), scores: labelled.map((row) => row.score), arrived: labelled.map((row) => row.arrived) } };
}
