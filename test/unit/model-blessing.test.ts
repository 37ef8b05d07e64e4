import { describe, expect, it } from 'vitest';
import type { BlessingInput } from '../../model/blessing.js';
import { decideBlessing } from '../../model/blessing.js';

const cases: { name: string; input: BlessingInput; blessed: boolean; reason: RegExp }[] = [
  {
    name: 'no threshold configured: blessing defaults to no',
    input: { metric: 'auc', candidate: 0.91, production: 0.8 },
    blessed: false,
    reason: /no minimum is configured for auc, and blessing defaults to no \(candidate auc 0\.91\)/,
  },
  {
    name: 'below the minimum',
    input: { metric: 'auc', candidate: 0.61, threshold: 0.65 },
    blessed: false,
    reason: /candidate auc 0\.61 is below the minimum 0\.65/,
  },
  {
    name: 'above the maximum of a lower-is-better metric',
    input: { metric: 'rmse', candidate: 12.5, threshold: 10 },
    blessed: false,
    reason: /candidate rmse 12\.5 is above the maximum 10/,
  },
  {
    name: 'meets the minimum with nothing in production',
    input: { metric: 'f1', candidate: 0.7, threshold: 0.6 },
    blessed: true,
    reason: /candidate f1 0\.7 meets the minimum 0\.6; there is no production model/,
  },
  {
    name: 'worse than production by more than maxRegression',
    input: { metric: 'auc', candidate: 0.74, production: 0.75, threshold: 0.65, maxRegression: 0.005 },
    blessed: false,
    reason: /candidate auc 0\.74 is 0\.01 worse than production 0\.75, more than the allowed regression of 0\.005/,
  },
  {
    name: 'worse than production by exactly maxRegression (float noise ignored)',
    input: { metric: 'auc', candidate: 0.745, production: 0.75, threshold: 0.65, maxRegression: 0.005 },
    blessed: true,
    reason: /within the allowed regression of 0\.005/,
  },
  {
    name: 'better than production',
    input: { metric: 'accuracy', candidate: 0.9, production: 0.85, threshold: 0.8, maxRegression: 0 },
    blessed: true,
    reason: /is 0\.05 better than production 0\.85/,
  },
  {
    name: 'lower-is-better metric: larger error than production beyond the allowance',
    input: { metric: 'logLoss', candidate: 0.42, production: 0.4, threshold: 0.5, maxRegression: 0.01 },
    blessed: false,
    reason: /candidate logLoss 0\.42 is 0\.02 worse than production 0\.4/,
  },
  {
    name: 'lower-is-better metric: smaller error than production',
    input: { metric: 'mae', candidate: 1.2, production: 1.5, threshold: 2 },
    blessed: true,
    reason: /candidate mae 1\.2 meets the maximum 2 and is 0\.3 better than production 1\.5/,
  },
  {
    name: 'r2 equal to production with no regression allowed',
    input: { metric: 'r2', candidate: 0.8, production: 0.8, threshold: 0.5 },
    blessed: true,
    reason: /equals production 0\.8/,
  },
  {
    name: 'candidate metric is NaN (e.g. AUC of a one-class test split)',
    input: { metric: 'auc', candidate: Number.NaN, threshold: 0.65 },
    blessed: false,
    reason: /candidate auc NaN is not a number, so it cannot meet the minimum 0\.65/,
  },
  {
    name: 'production metric is NaN: only the threshold is checked',
    input: { metric: 'auc', candidate: 0.7, production: Number.NaN, threshold: 0.65 },
    blessed: true,
    reason: /production auc is not a number, so only the minimum was checked/,
  },
];

describe('decideBlessing', () => {
  it.each(cases)('$name', ({ input, blessed, reason }) => {
    const decision = decideBlessing(input);
    expect(decision.blessed).toBe(blessed);
    expect(decision.reason).toMatch(reason);
    expect(decision.reason).toMatch(blessed ? /^Blessed: .*\.$/ : /^Not blessed: .*\.$/);
  });
});
