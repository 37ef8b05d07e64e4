/**
 * How numbers read in sentences, reports and CLI lines. A reason, the report beside it and the
 * CLI line after it should show a value with the same digits, so each format is named here once;
 * the formats that differ do so on purpose, and say why.
 */

/** `value` rounded to `digits` significant digits, as a number, so trailing zeros go (1.2300 → 1.23). */
export function significant(value: number, digits: number): number {
  return Number(value.toPrecision(digits));
}

/** A number for a sentence or a report: four significant digits, without trailing zeros; NaN and ±Infinity as JavaScript writes them. */
export function formatNumber(value: number): string {
  return String(significant(value, 4));
}

/** A report table's cell: {@link formatNumber}, or a dash for a missing or non-finite value (JSON turns NaN into null). */
export function formatCell(value: number | null | undefined): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '—' : formatNumber(value);
}

/** Six significant digits, for a value a person looks up in their data (a schema's range, a value out of it). */
export function formatPrecise(value: number): string {
  return String(significant(value, 6));
}

/**
 * Four decimal places, without trailing zeros: metrics and losses in CLI lines and gate reasons,
 * where metrics near 1 (auc 0.98765) keep a digit that four significant digits would drop.
 */
export function fourDecimals(value: number): number {
  return Number(value.toFixed(4));
}

/** A share (0 to 1) as a percentage with one decimal: 0.1234 → '12.3%'. */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
