import type { AliasChange, AliasName, AliasRequest, ModelVersion, Registry, RetrainRequest, RunRecord } from '../contracts/model.js';
import type { ModelRef, PipelineRunResult } from '../contracts/pipeline-run.js';

/** Thrown by validators; the update is refused and nothing changes. */
export class RegistryRequestError extends Error {
  override name = 'RegistryRequestError';
}

/**
 * One model's registry and retraining queue. Pure and deterministic: the model workflow calls
 * it from its handlers and writes the result through to MinIO.
 */
export class ModelState {
  readonly registry: Registry;
  /** The next run: at most one, into which further requests are folded. */
  pending?: RunRecord;
  current?: RunRecord;
  /** Version waiting for a manual approve or reject. */
  awaitingApproval?: number;
  decision?: { version: number; approved: boolean; by: string; reason: string };

  constructor(model: string, registry?: Registry, pending?: RunRecord) {
    this.registry = registry ?? { model, versions: [], aliases: {}, history: [], runs: [], paused: false };
    this.pending = pending;
  }

  /** Queues a run, or folds the request into the one already queued. */
  request(request: RetrainRequest, newRunId: () => string): { runId: string; folded: boolean } {
    if (this.pending) {
      this.pending.requests.push(request);
      return { runId: this.pending.runId, folded: true };
    }
    this.pending = { runId: newRunId(), status: 'queued', requests: [request] };
    return { runId: this.pending.runId, folded: false };
  }

  start(at: string): RunRecord {
    const run = this.pending;
    if (!run) throw new Error('no queued run');
    this.pending = undefined;
    this.current = { ...run, status: 'running', startedAt: at };
    this.registry.runs.push(this.current);
    return this.current;
  }

  finish(status: RunRecord['status'], at: string, details: { version?: number; error?: string } = {}): void {
    if (!this.current) return;
    Object.assign(this.current, { status, finishedAt: at, ...details });
    this.current = undefined;
  }

  /** Registers the run's model; registering the same run again returns the same version. */
  register(result: PipelineRunResult, registeredBy: ModelVersion['registeredBy'], hyperparameters: Record<string, unknown>, at: string): ModelVersion {
    const existing = this.registry.versions.find((version) => version.runId === result.runId);
    if (existing) return existing;
    const version: ModelVersion = {
      version: this.registry.versions.length + 1,
      runId: result.runId,
      pipeline: result.pipeline,
      specHash: result.specHash,
      datasetVersion: result.datasetVersion,
      backend: result.train.backend,
      hyperparameters,
      metrics: result.evaluate.metrics,
      productionMetrics: result.evaluate.productionMetrics,
      blessed: result.evaluate.blessed,
      blessingReason: result.evaluate.reason,
      model: result.train.model,
      transform: result.feature.transform,
      registeredBy,
      createdAt: at,
    };
    this.registry.versions.push(version);
    return version;
  }

  /** A version already registered from the same spec and dataset, so an unchanged re-run adds none. */
  sameAs(result: PipelineRunResult): ModelVersion | undefined {
    return this.registry.versions.find(
      (version) => version.specHash === result.specHash && version.datasetVersion === result.datasetVersion && version.model.key === result.train.model.key,
    );
  }

  productionRef(): ModelRef | undefined {
    const version = this.version(this.registry.aliases.production);
    return version ? { version: version.version, model: version.model, transform: version.transform } : undefined;
  }

  version(number: number | undefined): ModelVersion | undefined {
    return number === undefined ? undefined : this.registry.versions.find((version) => version.version === number);
  }

  moveAlias(alias: AliasName, to: number | undefined, by: string, reason: string, at: string): AliasChange {
    const change: AliasChange = { alias, from: this.registry.aliases[alias], to, at, by, reason };
    if (to === undefined) delete this.registry.aliases[alias];
    else this.registry.aliases[alias] = to;
    this.registry.history.push(change);
    return change;
  }

  /** Makes `version` production, keeping the one it replaces as `previous`. */
  promote(version: number, by: string, reason: string, at: string): AliasChange {
    const current = this.registry.aliases.production;
    if (current !== undefined && current !== version) this.moveAlias('previous', current, by, `replaced by v${version}`, at);
    if (this.registry.aliases.canary === version) this.moveAlias('canary', undefined, by, `v${version} promoted`, at);
    return this.moveAlias('production', version, by, reason, at);
  }

  validatePromote({ version }: AliasRequest): void {
    if (version === undefined) throw new RegistryRequestError('promote needs a version');
    const found = this.version(version);
    if (!found) throw new RegistryRequestError(`${this.registry.model} has no version ${version}; versions: ${this.registry.versions.map((v) => v.version).join(', ') || 'none'}`);
    if (this.registry.aliases.production === version) throw new RegistryRequestError(`v${version} is already production`);
  }

  validateRollback(): void {
    if (this.registry.aliases.previous === undefined) throw new RegistryRequestError(`${this.registry.model} has no previous production version to roll back to`);
  }

  validateDecision({ version }: AliasRequest): void {
    if (this.awaitingApproval === undefined) throw new RegistryRequestError(`${this.registry.model} has no version waiting for approval`);
    if (version !== undefined && version !== this.awaitingApproval) throw new RegistryRequestError(`v${version} is not waiting for approval; v${this.awaitingApproval} is`);
  }
}
