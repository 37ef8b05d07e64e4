import { condition, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ModelVersion, RunStatus } from '../contracts/model.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
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
 * `publish` writes the registry to MinIO (the model workflow's single writer).
 */
export async function deployVersion(model: ModelState, version: ModelVersion, spec: PipelineSpec, clock: () => string, publish: () => Promise<void>): Promise<RunStatus> {
  const production = model.registry.aliases.production;
  const canary = production !== undefined && spec.deploy.canaryPercent > 0;
  if (canary) {
    const since = clock();
    model.moveAlias('canary', version.version, 'deploy', `canary at ${spec.deploy.canaryPercent}% for ${spec.deploy.soak}`, since);
    await publish();
    try {
      await sleep(spec.deploy.soak);
      const task = spec.label.kind;
      const tolerance = task === 'binary' ? 0.02 : spec.evaluation.maxRegression;
      version.deployment = await assessCanary({ model: model.registry.model, task, canaryVersion: version.version, productionVersion: production, since, tolerance });
    } catch (error) {
      // Compensate: take the canary out before the failure propagates.
      model.moveAlias('canary', undefined, 'deploy', 'deploy failed', clock());
      await publish();
      throw error;
    }
    if (!version.deployment.promote) {
      model.moveAlias('canary', undefined, 'deploy', `rolled back: ${version.deployment.reason}`, clock());
      return 'rolled-back';
    }
  }
  if (spec.deploy.approval === 'manual') {
    if (!canary) model.moveAlias('canary', version.version, 'deploy', 'waiting for approval', clock());
    model.awaitingApproval = version.version;
    await publish();
    await condition(() => model.decision?.version === version.version);
    const decision = model.decision!;
    model.awaitingApproval = undefined;
    if (!decision.approved) {
      model.moveAlias('canary', undefined, decision.by, decision.reason, clock());
      return 'rejected';
    }
    model.promote(version.version, decision.by, decision.reason, clock());
    return 'registered';
  }
  model.promote(version.version, 'deploy', canary ? version.deployment!.reason : `blessed: ${version.blessingReason}`, clock());
  return 'registered';
}
