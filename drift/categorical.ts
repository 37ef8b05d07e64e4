/**
 * Current category counts against reference frequencies: Pearson's chi-square over the buckets
 * that alignCategories lines up.
 */
import type { ChiSquareResult } from '../statistics/chi-square.js';
import { chiSquare } from '../statistics/chi-square.js';
import type { AlignedCounts } from './psi.js';
import { PSI_EPSILON } from './psi.js';

/**
 * Chi-square of current category counts against the reference's frequencies, over buckets
 * aligned by alignCategories (categories, unseen, missing). A bucket empty on both sides is
 * left out (it adds nothing and no degree of freedom). A bucket the reference never saw is
 * expected at `epsilon` of the rows (shares renormalized), so new categories weigh heavily.
 */
export function categoricalChiSquare(aligned: AlignedCounts, epsilon = PSI_EPSILON): ChiSquareResult {
  const referenceTotal = aligned.reference.reduce((sum, r) => sum + r, 0);
  const kept = aligned.reference.map((r, i) => r > 0 || (aligned.current[i] as number) > 0);
  const observed = aligned.current.filter((_, i) => kept[i]);
  const rows = observed.reduce((sum, o) => sum + o, 0);
  if (rows === 0 || referenceTotal === 0) throw new RangeError('chi-square needs at least one reference row and one current row');
  const shares = aligned.reference.filter((_, i) => kept[i]).map((r) => Math.max(r / referenceTotal, epsilon));
  const shareTotal = shares.reduce((sum, s) => sum + s, 0);
  return chiSquare(
    observed,
    shares.map((s) => (rows * s) / shareTotal),
  );
}
