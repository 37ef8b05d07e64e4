import { refusedRequest } from '../contracts/model-requests.js';
import type { AliasChange, AliasName, AliasRequest, ModelVersion, Registry, RetrainRequest, RunRecord, SignalDecision } from '../contracts/model.js';
import { REGISTRY_FORMAT } from '../contracts/model.js';
import type { ModelRef, PipelineRunResult } from '../contracts/pipeline-run.js';
import { registryOfFormatTwo } from '../contracts/format-renames.js';

/** Sources that retrain on their own; pause and cooldown apply to them, not to a person's explicit request. */
const AUTOMATIC: readonly RetrainRequest['source'][] = ['drift', 'alert', 'schedule'];
const MAX_DECISIONS = 200;

/** How the model workflow paces automatic retraining, from the spec's drift section. */
export interface RetrainPolicy {
  debounceMs: number;
  cooldownMs: number;
}

export const isAutomatic = (request: RetrainRequest): boolean => AUTOMATIC.includes(request.source);

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

  constructor(modelName: string, registry?: Registry, pending?: RunRecord) {
    // A registry carried over from an earlier format takes today's field names; its old versions just lack a spec.
    this.registry = registry ? registryOfFormatTwo(registry) : { modelName, versions: [], aliases: {}, history: [], runs: [], paused: false, decisions: [] };
    this.registry.decisions ??= [];
    this.registry.format = REGISTRY_FORMAT;
    this.pending = pending;
  }

  /** A person's explicit request: queued at once (folded into the queued run, if any); no pause, cooldown or debounce. */
  request(request: RetrainRequest, newRunId: () => string): { runId: string; folded: boolean } {
    const folded = this.pending !== undefined;
    const runId = this.enqueue(request, newRunId);
    this.decide(request, folded ? 'folded' : 'scheduled', folded ? 'folded into the run already queued' : 'explicit request: queued now', runId);
    return { runId, folded };
  }

  /**
   * A signal (drift, alert, schedule, or a person through Temporal): automatic ones are ignored
   * while paused or inside the cooldown after the last run; during a run they fold into one
   * follow-up; otherwise the first opens a debounce window that later ones join.
   */
  signal(request: RetrainRequest, newRunId: () => string, policy: RetrainPolicy): SignalDecision {
    const automatic = isAutomatic(request);
    if (automatic && this.registry.paused) return this.decide(request, 'ignored-paused', 'automatic retraining is paused');
    const cooldownEnds = this.registry.lastRunFinishedAt ? Date.parse(this.registry.lastRunFinishedAt) + policy.cooldownMs : 0;
    if (automatic && !this.current && !this.pending && Date.parse(request.requestedAt!) < cooldownEnds) {
      return this.decide(request, 'ignored-cooldown', `inside the cooldown after the last run, until ${new Date(cooldownEnds).toISOString()}`);
    }
    if (this.pending) {
      const runId = this.enqueue(request, newRunId);
      return this.decide(request, this.current ? 'folded' : 'debounced', this.current ? 'a run is in progress: folded into its one follow-up run' : 'joined the run waiting out its debounce window', runId);
    }
    const runId = this.enqueue(request, newRunId);
    const reason = this.current ? 'a run is in progress: queued as its follow-up run' : automatic ? `starts after a debounce window of ${policy.debounceMs / 1000} s` : 'queued now';
    return this.decide(request, this.current ? 'folded' : 'scheduled', reason, runId);
  }

  /** When the queued run may start: automatic-only requests wait out the debounce window from the first of them. */
  startsAt(policy: RetrainPolicy): number {
    const requests = this.pending?.requests ?? [];
    if (requests.length === 0 || !requests.every(isAutomatic)) return 0;
    return Date.parse(requests[0]!.requestedAt!) + policy.debounceMs;
  }

  /**
   * Whether a person's request that joins a run queued by automatic ones alone goes first: a run
   * takes its first request's overrides and cache, so a person's would otherwise be dropped
   * unseen. The model workflow asks Temporal (patched), so older histories replay as they ran.
   */
  personFirst: () => boolean = () => true;

  private enqueue(request: RetrainRequest, newRunId: () => string): string {
    if (!this.pending) this.pending = { runId: newRunId(), status: 'queued', requests: [request] };
    else if (!isAutomatic(request) && this.pending.requests.every(isAutomatic) && this.personFirst()) this.pending.requests.unshift(request);
    else this.pending.requests.push(request);
    return this.pending.runId;
  }

  /** Records a signal whose payload was no retraining request: nothing is queued. */
  refuse(payload: unknown, problem: string, at: string): SignalDecision {
    return this.decide({ ...refusedRequest(payload), requestedAt: at }, 'refused-invalid', problem);
  }

  private decide(request: RetrainRequest, decision: SignalDecision['decision'], reason: string, runId?: string): SignalDecision {
    const entry: SignalDecision = { at: request.requestedAt ?? '', request, decision, reason, runId };
    this.registry.decisions.push(entry);
    if (this.registry.decisions.length > MAX_DECISIONS) this.registry.decisions.splice(0, this.registry.decisions.length - MAX_DECISIONS);
    return entry;
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
    this.registry.lastRunFinishedAt = at;
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
      backendDetail: result.train.backendDetail,
      // Results from before these fields (a format-1 one has no ingest manifest at all) leave them out.
      ...(result.ingest?.window ? { dataWindow: result.ingest.window } : {}),
      ...(result.ingest?.sourceObjects ? { sourceObjects: result.ingest.sourceObjects } : {}),
      hyperparameters,
      metrics: result.evaluate.metrics,
      productionMetrics: result.evaluate.productionMetrics,
      // Results from before evaluate-6 have no baseline.
      ...(result.evaluate.baseline ? { baseline: result.evaluate.baseline } : {}),
      blessed: result.evaluate.blessed,
      blessingReason: result.evaluate.reason,
      modelArtifact: result.train.modelArtifact,
      transform: result.feature.transform,
      driftReference: result.evaluate.driftReference,
      registeredBy,
      createdAt: at,
      // Last, so the lineage above stays at the top of the JSON people read (Web UI queries, registry.json).
      spec: result.spec,
    };
    this.registry.versions.push(version);
    return version;
  }

  /** A version already registered from the same spec and dataset, so an unchanged re-run adds none. */
  sameAs(result: PipelineRunResult): ModelVersion | undefined {
    return this.registry.versions.find(
      (version) => version.specHash === result.specHash && version.datasetVersion === result.datasetVersion && version.modelArtifact.key === result.train.modelArtifact.key,
    );
  }

  productionRef(): ModelRef | undefined {
    const version = this.version(this.registry.aliases.production);
    return version ? { version: version.version, modelArtifact: version.modelArtifact, transform: version.transform } : undefined;
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
    if (!found) throw new RegistryRequestError(`${this.registry.modelName} has no version ${version}; versions: ${this.registry.versions.map((v) => v.version).join(', ') || 'none'}`);
    if (this.registry.aliases.production === version) throw new RegistryRequestError(`v${version} is already production`);
  }

  validateRollback(): void {
    if (this.registry.aliases.previous === undefined) throw new RegistryRequestError(`${this.registry.modelName} has no previous production version to roll back to`);
  }

  validateDecision({ version }: AliasRequest): void {
    if (this.awaitingApproval === undefined) throw new RegistryRequestError(`${this.registry.modelName} has no version waiting for approval`);
    if (version !== undefined && version !== this.awaitingApproval) throw new RegistryRequestError(`v${version} is not waiting for approval; v${this.awaitingApproval} is`);
  }
}
