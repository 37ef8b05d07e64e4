/** Frequencies of one column's values, as a categorical column reports them. */
export interface ValueFrequencies {
  /** Distinct non-null values; a lower bound when `distinctExact` is false. */
  distinct: number;
  /** False once the column had more distinct values than were tracked. */
  distinctExact: boolean;
  /** The most frequent values (as text), most frequent first, ties in text order. */
  top: { value: string; count: number }[];
  /** Non-null values not listed in `top`. */
  otherCount: number;
}

type Key = string | number | boolean;

/**
 * Counts values exactly up to `maxTracked` distinct ones. Past that it keeps memory bounded by
 * pruning back to the `maxTracked` most frequent whenever it holds twice as many, so heavy
 * hitters survive and counts turn approximate (lower bounds). Deterministic for a given input order.
 */
export class ValueCounts {
  private counts = new Map<Key, number>();
  private pruned = false;
  private peakDistinct = 0;

  constructor(private readonly maxTracked: number) {}

  get overflowed(): boolean {
    return this.pruned || this.counts.size > this.maxTracked;
  }

  add(value: Key): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
    if (this.counts.size >= 2 * this.maxTracked) this.prune();
  }

  private prune(): void {
    this.peakDistinct = Math.max(this.peakDistinct, this.counts.size);
    // Array.prototype.sort is stable: equal counts keep first-seen order, so pruning is deterministic.
    const kept = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, this.maxTracked);
    this.counts = new Map(kept);
    this.pruned = true;
  }

  /** `valueCount` is every non-null value of the column, tracked or not. */
  result(topValues: number, valueCount: number): ValueFrequencies {
    // 1 and "1" are one category once written as text.
    const byText = new Map<string, number>();
    for (const [value, count] of this.counts) byText.set(String(value), (byText.get(String(value)) ?? 0) + count);
    const sorted = [...byText]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    const top = sorted.slice(0, topValues);
    const listed = top.reduce((sum, entry) => sum + entry.count, 0);
    return {
      distinct: Math.max(byText.size, this.peakDistinct),
      distinctExact: !this.pruned,
      top,
      otherCount: valueCount - listed,
    };
  }
}
