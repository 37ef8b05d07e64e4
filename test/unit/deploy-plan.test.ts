import { describe, expect, it } from 'vitest';
import type { CanaryAssessment } from '../../contracts/model.js';
import { BINARY_LIVE_TOLERANCE, planDeploy, promotionReason, rollbackReason } from '../../workflows/deploy-plan.js';
import { specWith } from '../support/run-results.js';

const regression = specWith({ deploy: { canaryPercent: 20, soak: '2 minutes', approval: 'auto' } });
const binary = specWith({ label: { kind: 'binary' } });

const assessment = (promote: boolean, reason: string): CanaryAssessment => ({
  promote,
  reason,
  canary: { version: 2, predictions: 100, outcomes: 0 },
  production: { version: 1, predictions: 100, outcomes: 0 },
  since: '2026-12-04T10:00:00.000Z',
  until: '2026-12-04T10:02:00.000Z',
});

describe('the deploy plan', () => {
  it('puts the first version straight into production: nothing to compare a canary with', () => {
    expect(planDeploy(undefined, regression)).toEqual({ manual: false });
  });

  it('soaks a new version as a canary beside production, with the spec’s share and soak in the reason', () => {
    expect(planDeploy(1, regression)).toEqual({ canary: { productionVersion: 1, tolerance: regression.evaluation.maxRegression, reason: 'canary at 20% for 2 minutes' }, manual: false });
  });

  it('tolerates a fixed regression of the live error rate for binary models', () => {
    expect(BINARY_LIVE_TOLERANCE).toBe(0.02);
    expect(planDeploy(3, binary).canary?.tolerance).toBe(0.02);
    expect(planDeploy(3, specWith({ deploy: { canaryPercent: 5 } })).canary?.tolerance).toBe(0.1);
  });

  it('has no canary when the spec gives it no traffic', () => {
    expect(planDeploy(1, specWith({ deploy: { canaryPercent: 0 } }))).toEqual({ manual: false });
    expect(planDeploy(1, specWith({ deploy: { canaryPercent: Number.NaN } }))).toEqual({ manual: false });
    expect(planDeploy(1, specWith({ deploy: { canaryPercent: 0.5 } })).canary).toBeDefined();
  });

  it('treats production version 0 as a production version', () => {
    expect(planDeploy(0, regression).canary?.productionVersion).toBe(0);
  });

  it('waits for a person with manual approval, canary or not', () => {
    const manual = specWith({ deploy: { approval: 'manual' } });
    expect(planDeploy(undefined, manual)).toEqual({ manual: true });
    expect(planDeploy(1, manual)).toMatchObject({ manual: true, canary: { productionVersion: 1 } });
  });
});

describe('after the soak', () => {
  it('a canary that held up is not rolled back', () => {
    expect(rollbackReason(assessment(true, 'held up'))).toBeUndefined();
  });

  it('a canary that did not is rolled back, saying why', () => {
    expect(rollbackReason(assessment(false, 'live error 0.5 is worse'))).toBe('rolled back: live error 0.5 is worse');
  });
});

describe('the reason for an automatic promotion', () => {
  it('is the soak’s verdict after a canary', () => {
    expect(promotionReason({ blessingReason: 'rmse 3 <= 4', deployment: assessment(true, 'held up over 150 requests') })).toBe('held up over 150 requests');
  });

  it('is the blessing without one', () => {
    expect(promotionReason({ blessingReason: 'rmse 3 <= 4' })).toBe('blessed: rmse 3 <= 4');
  });
});
