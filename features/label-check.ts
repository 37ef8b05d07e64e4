/** Label checks the validate step runs on every row: values the label reader refuses, and a binary label with one class. */
import type { LabelSpec } from '../contracts/pipeline-spec.js';
import type { Engine } from '../tabular/engine.js';
import { sqlIdentifier, sqlString } from '../tabular/engine.js';
import { NUMERIC_TYPE } from '../tabular/snapshot-statistics.js';
import type { SnapshotColumnType } from '../tabular/snapshot-statistics.js';
import type { Anomaly } from '../tabular/schema-check.js';
import { labelOf } from './label.js';
import { FeatureValueError } from './values.js';
import type { InputRow } from './values.js';

const EXAMPLES = 3;

/** Reads each row's label as training will, and says what would make training impossible. */
export class LabelTally {
  private readonly classes = new Map<number, number>();
  private refused = 0;
  private readonly examples: string[] = [];
  private firstRefusedRow = 0;
  private rows = 0;

  constructor(private readonly label: LabelSpec) {}

  add(row: InputRow): void {
    this.addGroup(row, 1, ++this.rows);
  }

  /**
   * `count` rows that the label reads alike, represented by `row`, the first of them the
   * 1-based row `firstRow`; `examples` are the group's first values, for the message. Groups come
   * in the order of their first rows.
   */
  addGroup(row: InputRow, count: number, firstRow: number, examples?: readonly unknown[]): void {
    try {
      const value = labelOf(this.label, row);
      if (value !== undefined && this.label.kind === 'binary') this.classes.set(value, (this.classes.get(value) ?? 0) + count);
    } catch (error) {
      if (!(error instanceof FeatureValueError)) throw error;
      if (this.refused === 0) this.firstRefusedRow = firstRow;
      this.refused += count;
      for (const example of examples ?? [error.value]) if (this.examples.length < EXAMPLES) this.examples.push(JSON.stringify(example));
    }
  }

  anomalies(): Anomaly[] {
    const column = this.label.positiveWhen?.column ?? this.label.column;
    if (this.refused > 0) {
      const expected = this.label.kind === 'binary' && !this.label.positiveWhen ? 'true/false or 1/0' : this.label.kind === 'binary' ? 'values its positiveWhen rule can compare' : 'finite numbers';
      return [{
        severity: 'error',
        code: 'label_invalid',
        column,
        message:
          `Label column "${column}" has ${this.refused} values that are not ${expected} (first on row ${this.firstRefusedRow}: ${this.examples.join(', ')}); ` +
          `fix the source, or the pipeline spec’s label.`,
      }];
    }
    if (this.label.kind !== 'binary' || this.classes.size !== 1) return [];
    const [[only, count]] = [...this.classes] as [[number, number]];
    return [{
      severity: 'error',
      code: 'label_one_class',
      column,
      message:
        `Binary label "${this.label.column}" is ${only === 1 ? 'positive' : 'negative'} in all ${count} labelled rows: a classifier needs both classes to learn anything; ` +
        `check the source’s label extract${this.label.positiveWhen ? ' or the label’s positiveWhen rule' : ''}.`,
    }];
  }
}

/**
 * Tallies the labels of the Parquet snapshot at `path` on the engine. Rows are grouped so that
 * the label reader treats every row of a group alike (e.g. a regression label's finite numbers,
 * or a threshold rule's values on one side of it), and each group is read once, through one of its rows.
 */
export async function tallySnapshotLabels(engine: Engine, path: string, columns: readonly SnapshotColumnType[], labels: LabelTally, label: LabelSpec): Promise<void> {
  const name = label.positiveWhen?.column ?? label.column;
  const type = columns.find((column) => column.name === name)?.type;
  // A snapshot without the column has no labels; the schema check names the missing column.
  if (type === undefined) return;
  const groups = await engine.rows<{ n: bigint; first: bigint; examples: unknown[] | null }>(
    `select count(*) as n, min(file_row_number) + 1 as first, arg_min(${sqlIdentifier(name)}, file_row_number, ${EXAMPLES}) as examples ` +
      `from read_parquet(${sqlString(path)}, file_row_number = true) group by ${labelGroup(sqlIdentifier(name), type, label)} order by first`,
  );
  for (const group of groups) labels.addGroup({ [name]: group.examples?.[0] ?? null }, Number(group.n), Number(group.first), group.examples ?? undefined);
}

/** Group keys that are no value of a column: missing, infinite, other. Integer keys group three times as fast as text made per row. */
const MISSING = -10;
const INFINITE = -11;
const OTHER = -12;

/** SQL that puts rows the label reader treats alike into one group: by the rule, not by value, so a continuous column gives a handful of groups. */
function labelGroup(column: string, type: string, label: LabelSpec): string {
  const rule = label.positiveWhen;
  const threshold = rule ? (rule.greaterThan ?? rule.atLeast ?? rule.lessThan ?? rule.atMost ?? (typeof rule.equals === 'number' ? rule.equals : undefined)) : undefined;
  const readsNumber = label.kind === 'regression' || threshold !== undefined;
  const readsBinary = !rule || typeof rule.equals === 'boolean';
  if (NUMERIC_TYPE.test(type)) {
    const missing = `${column} is null or isnan(${column}::double)`;
    // sign() is -1, 0 or 1; a number without a threshold is 0.
    if (readsNumber) return `case when ${missing} then ${MISSING} when isinf(${column}::double) then ${INFINITE} else ${threshold === undefined ? '0' : `sign(${column}::double - ${threshold})::integer`} end`;
    if (readsBinary) return `case when ${missing} then ${MISSING} when ${column} in (0, 1) then ${column}::integer else ${OTHER} end`;
    return `${column}::varchar`;
  }
  if (type === 'VARCHAR') {
    const missing = `${column} is null or ${column} = ''`;
    if (readsNumber) return `case when ${missing} then 'missing' else 'text' end`;
    if (readsBinary) return `case when ${missing} then 'missing' when ${column} in ('true', 'false', '1', '0') then ${column} else 'other' end`;
    return `case when ${missing} then 'missing' when ${column} = ${sqlString(String(rule?.equals))} then 'equal' else 'other' end`;
  }
  if (type === 'BOOLEAN') return `${column}::varchar`;
  return `case when ${column} is null then 'missing' else 'other' end`;
}
