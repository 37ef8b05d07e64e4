/** A number for a sentence: four significant digits, without trailing zeros. */
export function fmt(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}
