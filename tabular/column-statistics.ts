import { parseDatetime } from './datetime.js';
import { NumericSummary } from './numeric-summary.js';
import type { Cell } from './row.js';
import type { ColumnStatistics } from './statistics-types.js';
import { ValueCounts } from './value-counts.js';

export interface ColumnLimits {
  sampleSize: number;
  maxTrackedValues: number;
  topValues: number;
  /** Reference histogram edges for this column, when there is a numeric reference. */
  binEdges?: readonly number[];
}

/**
 * Accumulates one column without knowing its kind in advance: it keeps what each kind needs
 * and decides the kind at the end, from the types of the values it saw.
 */
export class ColumnAccumulator {
  private readonly numbers: NumericSummary;
  private texts = 0;
  private trues = 0;
  private falses = 0;
  private readonly values: ValueCounts;
  // Datetime detection stops at the first text that is not a date.
  private allTextsAreDates = true;
  private earliest = { ms: Infinity, text: '' };
  private latest = { ms: -Infinity, text: '' };

  constructor(
    readonly name: string,
    private readonly limits: ColumnLimits,
  ) {
    this.numbers = new NumericSummary(limits.sampleSize, limits.binEdges);
    this.values = new ValueCounts(limits.maxTrackedValues);
  }

  add(cell: Cell): void {
    // Nulls (NaN and ±Infinity among them) are not counted here: they are the rows without a value.
    if (cell === null || (typeof cell === 'number' && !Number.isFinite(cell))) return;
    if (typeof cell === 'number') {
      this.numbers.add(cell);
      // Frequencies of numbers and dates matter only while they are few; past that, stop paying for them.
      if (!this.values.overflowed) this.values.add(cell);
    } else if (typeof cell === 'boolean') {
      if (cell) this.trues++;
      else this.falses++;
      this.values.add(cell);
    } else {
      this.texts++;
      if (this.allTextsAreDates) this.addDate(cell);
      if (!this.allTextsAreDates || !this.values.overflowed) this.values.add(cell);
    }
  }

  private addDate(text: string): void {
    const ms = parseDatetime(text);
    if (Number.isNaN(ms)) {
      this.allTextsAreDates = false;
      return;
    }
    if (ms < this.earliest.ms) this.earliest = { ms, text };
    if (ms > this.latest.ms) this.latest = { ms, text };
  }

  /** `rowCount` is every row of the dataset: rows that lacked the column count as nulls. */
  result(rowCount: number): ColumnStatistics {
    const booleans = this.trues + this.falses;
    const count = this.numbers.count + booleans + this.texts;
    const base = { name: this.name, count, nulls: rowCount - count };
    const numeric = this.numbers.result();
    if (numeric && booleans === 0 && this.texts === 0) return { ...base, kind: 'numeric', ...numeric };
    if (booleans > 0 && this.numbers.count === 0 && this.texts === 0) {
      return { ...base, kind: 'boolean', trueCount: this.trues, falseCount: this.falses };
    }
    if (this.texts > 0 && this.allTextsAreDates && count === this.texts) {
      return { ...base, kind: 'datetime', min: this.earliest.text, max: this.latest.text };
    }
    return { ...base, kind: 'categorical', ...this.values.result(this.limits.topValues, count) };
  }
}
