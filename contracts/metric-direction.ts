/**
 * Which way each blessing metric improves. The spec rules, the blessing, the drift check and the
 * run report all judge "better" by it, so it is stated here once.
 */

/** Metrics where a larger value is the better model: their threshold is a minimum. */
export const HIGHER_IS_BETTER = ['auc', 'accuracy', 'precision', 'recall', 'f1', 'r2'] as const;
/** Metrics where a smaller value is the better model: their threshold is a maximum. */
export const LOWER_IS_BETTER = ['logLoss', 'rmse', 'mae'] as const;

/** True for logLoss, rmse and mae. */
export function isLowerBetter(metric: string): boolean {
  return (LOWER_IS_BETTER as readonly string[]).includes(metric);
}

/** True for auc, accuracy, precision, recall, f1 and r2. */
export function isHigherBetter(metric: string): boolean {
  return (HIGHER_IS_BETTER as readonly string[]).includes(metric);
}
