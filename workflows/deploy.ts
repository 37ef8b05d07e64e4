import { condition, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ModelVersion, RunStatus } from '../contracts/model.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { planDeploy, promotionReason, rollbackReason } from './deploy-plan.js';
import type { ModelState } from './model-state.js';

// Reading the soak's prediction log may take a while; it heartbeats (activities/heartbeat.ts).
const { assessCanary } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumInterval: '10 seconds', maximumAttempts: 30 },
});

/**
 * The deploy step of a blessed version: with a model in production, it becomes the canary for
 * the soak, then is compared with production on live traffic and promoted or rolled back;
 * `approval: 'manual'` also waits for a person's approve or reject before promotion.
 * `publish` writes the registry to MinIO (the model workflow's single writer). What to do is
 * decided in deploy-plan.ts; this carries it out.
 */
export async function deployVersion(state: ModelState, version: ModelVersion, spec: PipelineSpec, clock: () => string, publish: () => Promise<void>): Promise<RunStatus> {
  const plan = planDeploy(state.registry.aliases.production, spec);
  if (plan.canary) {
    const since = clock();
    state.moveAlias('canary', version.version, 'deploy', plan.canary.reason, since);
    await publish();
    try {
      await sleep(spec.deploy.soak);
      const { productionVersion, tolerance } = plan.canary;
      version.deployment = await assessCanary({ modelName: state.registry.modelName, task: spec.label.kind, canaryVersion: version.version, productionVersion, since, tolerance });
    } catch (error) {
      // Compensate: take the canary out before the failure propagates.
      state.moveAlias('canary', undefined, 'deploy', 'deploy failed', clock());
      await publish();
      throw error;
    }
    const rollback = rollbackReason(version.deployment);
    if (rollback) {
      state.moveAlias('canary', undefined, 'deploy', rollback, clock());
      return 'rolled-back';
    }
  }
  if (plan.manual) {
    if (!plan.canary) state.moveAlias('canary', version.version, 'deploy', 'waiting for approval', clock());
    state.awaitingApproval = version.version;
    await publish();
    await condition(() => state.decision?.version === version.version);
    const decision = state.decision!;
    state.awaitingApproval = undefined;
    if (!decision.approved) {
      state.moveAlias('canary', undefined, decision.by, decision.reason, clock());
      return 'rejected';
    }
    state.promote(version.version, decision.by, decision.reason, clock());
    return 'registered';
  }
  state.promote(version.version, 'deploy', promotionReason(version), clock());
  return 'registered';
}
