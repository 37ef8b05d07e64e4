/** Label checks the validate step runs on every row: values the label reader refuses, and a binary label with one class. */
import type { LabelSpec } from '../contracts/pipeline-spec.js';
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
    this.rows++;
    try {
      const value = labelOf(this.label, row);
      if (value !== undefined && this.label.kind === 'binary') this.classes.set(value, (this.classes.get(value) ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof FeatureValueError)) throw error;
      if (this.refused++ === 0) this.firstRefusedRow = this.rows;
      if (this.examples.length < EXAMPLES) this.examples.push(JSON.stringify(error.value));
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
