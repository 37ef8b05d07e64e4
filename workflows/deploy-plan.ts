import type { CanaryAssessment, ModelVersion } from '../contracts/model.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';

/** How much worse a binary canary's live error rate may be than production's before it is rolled back. */
export const BINARY_LIVE_TOLERANCE = 0.02;

/** How a blessed version is deployed, decided before any alias moves. Pure: deploy.ts carries it out. */
export interface DeployPlan {
  /** Present when the version first soaks as a canary beside the production version. */
  canary?: {
    productionVersion: number;
    /** The regression of live error the assessment tolerates. */
    tolerance: number;
    /** The canary alias's reason. */
    reason: string;
  };
  /** A person approves or rejects before promotion. */
  manual: boolean;
}

/** A canary needs a production version to compare with and a share of traffic to soak on. */
export function planDeploy(production: number | undefined, spec: Pick<PipelineSpec, 'deploy' | 'label' | 'evaluation'>): DeployPlan {
  const manual = spec.deploy.approval === 'manual';
  if (production === undefined || !(spec.deploy.canaryPercent > 0)) return { manual };
  const tolerance = spec.label.kind === 'binary' ? BINARY_LIVE_TOLERANCE : spec.evaluation.maxRegression;
  return { canary: { productionVersion: production, tolerance, reason: `canary at ${spec.deploy.canaryPercent}% for ${spec.deploy.soak}` }, manual };
}

/** The canary alias's reason for taking it out after the soak, or undefined when the canary held up. */
export const rollbackReason = (assessment: CanaryAssessment): string | undefined => (assessment.promote ? undefined : `rolled back: ${assessment.reason}`);

/** Why an automatic promotion happened: the soak's verdict, or the blessing when there was no canary. */
export const promotionReason = (version: Pick<ModelVersion, 'blessingReason' | 'deployment'>): string => version.deployment?.reason ?? `blessed: ${version.blessingReason}`;
