/**
 * Values this close are one value when live data is held to a reference: the model server and the
 * trainer score on different TensorFlow.js backends, whose answers differ in the last bits (about
 * 1e-7), and a score many rows share (a network whose ReLUs are all off for them answers one
 * number) must not land on either side of a bin edge, or of a reference value, by that difference.
 */
const TIE_TOLERANCE = 1e-6;

/** How far from `value` another still ties with it: 1e-6 of it, or 1e-6 below magnitude 1. */
export function tieTolerance(value: number): number {
  return TIE_TOLERANCE * Math.max(1, Math.abs(value));
}

/** Each value replaced by the nearest of `sortedReference` when it ties with it; others as they are. */
export function snapToReference(sortedReference: readonly number[], values: readonly number[]): number[] {
  if (sortedReference.length === 0) return [...values];
  return values.map((value) => {
    let lo = 0;
    let hi = sortedReference.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sortedReference[mid] as number) < value) lo = mid + 1;
      else hi = mid;
    }
    const nearest = [sortedReference[lo - 1], sortedReference[lo]].filter((candidate): candidate is number => candidate !== undefined).reduce((best, candidate) => (Math.abs(candidate - value) < Math.abs(best - value) ? candidate : best));
    return Math.abs(nearest - value) <= tieTolerance(nearest) ? nearest : value;
  });
}
