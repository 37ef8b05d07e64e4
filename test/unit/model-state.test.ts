import { describe, expect, it } from 'vitest';
import type { RetrainRequest, RunRecord } from '../../contracts/model.js';
import { REGISTRY_FORMAT } from '../../contracts/model.js';
import { isAutomatic, ModelState, RegistryRequestError } from '../../workflows/model-state.js';
import { runResult } from '../support/run-results.js';

/** The model workflow's decisions, with every time given: requests carry requestedAt, methods take `at`. */

const T0 = Date.parse('2026-12-04T10:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const policy = { debounceMs: 10_000, cooldownMs: 60_000 };
const by = { workflowId: 'model:m', runId: 'r1' };

const request = (source: RetrainRequest['source'], ms = 0, reason = `${source} at ${ms}`): RetrainRequest => ({ reason, source, requestedAt: at(ms) });

/** Run ids r1, r2, ... in the order runs are opened. */
function ids(): () => string {
  let next = 0;
  return () => `r${++next}`;
}

/** A state whose last run finished at `finishedMs`. */
function afterRun(finishedMs: number): ModelState {
  const state = new ModelState('m');
  state.request(request('cli', 0), ids());
  state.start(at(0));
  state.finish('registered', at(finishedMs));
  return state;
}

/** A state with versions 1..n registered, from distinct runs. */
function withVersions(n: number): ModelState {
  const state = new ModelState('m');
  for (let i = 1; i <= n; i++) state.register(runResult(`run-${i}`, { datasetVersion: `data-${i}` }), by, {}, at(i));
  return state;
}

describe('a new model state', () => {
  it('starts with an empty registry, not paused', () => {
    const state = new ModelState('m');
    expect(state.registry).toEqual({ format: REGISTRY_FORMAT, modelName: 'm', versions: [], aliases: {}, history: [], runs: [], paused: false, decisions: [] });
    expect(state.pending).toBeUndefined();
    expect(state.current).toBeUndefined();
  });

  it('keeps a carried-over registry and queued run, adding the decisions list older registries lack', () => {
    const registry = { format: 3, modelName: 'm', versions: [], aliases: { production: 3 }, history: [], runs: [], paused: true } as unknown as ConstructorParameters<typeof ModelState>[1];
    const pending: RunRecord = { runId: 'r9', status: 'queued', requests: [request('drift')] };
    const state = new ModelState('other', registry, pending);
    expect(state.registry).toEqual({ ...registry, decisions: [] });
    expect(state.registry.modelName).toBe('m');
    expect(state.registry.decisions).toEqual([]);
    expect(state.pending).toBe(pending);
  });

  it('keeps the decisions a carried-over registry already has', () => {
    const first = new ModelState('m');
    first.signal(request('drift'), ids(), policy);
    const again = new ModelState('m', first.registry);
    expect(again.registry.decisions).toHaveLength(1);
  });
});

describe('automatic sources', () => {
  it('are drift, alert and schedule; a person through the CLI or Temporal is not', () => {
    expect((['drift', 'alert', 'schedule', 'cli', 'temporal-cli'] as const).map((source) => isAutomatic(request(source)))).toEqual([true, true, true, false, false]);
  });
});

describe('a retrain signal', () => {
  it('is scheduled behind a debounce window when nothing is queued or running', () => {
    const state = new ModelState('m');
    const decision = state.signal(request('drift', 0, 'psi 0.4'), ids(), policy);
    expect(decision).toEqual({ at: at(0), request: request('drift', 0, 'psi 0.4'), decision: 'scheduled', reason: 'starts after a debounce window of 10 s', runId: 'r1' });
    expect(state.pending).toEqual({ runId: 'r1', status: 'queued', requests: [request('drift', 0, 'psi 0.4')] });
    expect(state.registry.decisions).toEqual([decision]);
  });

  it('from a person is queued now, without a debounce', () => {
    const decision = new ModelState('m').signal(request('temporal-cli'), ids(), policy);
    expect(decision.decision).toBe('scheduled');
    expect(decision.reason).toBe('queued now');
    expect(decision.runId).toBe('r1');
  });

  it('joins the run waiting out its debounce window, under the same run id', () => {
    const state = new ModelState('m');
    const newRunId = ids();
    state.signal(request('drift', 0), newRunId, policy);
    const second = state.signal(request('alert', 2_000), newRunId, policy);
    expect(second.decision).toBe('debounced');
    expect(second.reason).toBe('joined the run waiting out its debounce window');
    expect(second.runId).toBe('r1');
    expect(state.pending?.requests.map((r) => r.source)).toEqual(['drift', 'alert']);
  });

  it('during a run is queued as its follow-up run, and later ones fold into that one', () => {
    const state = new ModelState('m');
    const newRunId = ids();
    state.request(request('cli', 0), newRunId);
    state.start(at(1));
    const first = state.signal(request('drift', 2), newRunId, policy);
    expect(first).toMatchObject({ decision: 'folded', reason: 'a run is in progress: queued as its follow-up run', runId: 'r2' });
    const second = state.signal(request('schedule', 3), newRunId, policy);
    expect(second).toMatchObject({ decision: 'folded', reason: 'a run is in progress: folded into its one follow-up run', runId: 'r2' });
    expect(state.pending?.requests.map((r) => r.source)).toEqual(['drift', 'schedule']);
    expect(state.current?.runId).toBe('r1');
  });

  it("from a person that joins a run queued by automatic ones goes first, so its overrides and cache rule the run", () => {
    const state = new ModelState('m');
    state.signal(request('drift', 0), ids(), policy);
    const person = { ...request('cli', 1_000), overrides: { training: { seed: 100 } }, cache: { enabled: false } };
    const decision = state.request(person, ids());
    expect(decision).toEqual({ runId: 'r1', folded: true });
    expect(state.pending?.requests).toEqual([person, request('drift', 0)]);
    // A person's request starts the run at once: no debounce is left to wait out.
    expect(state.startsAt(policy)).toBe(0);
    // A second person's joins behind the first; later automatic ones too.
    state.request(request('cli', 2_000), ids());
    state.signal(request('alert', 3_000), ids(), policy);
    expect(state.pending?.requests.map((r) => r.requestedAt)).toEqual([at(1_000), at(0), at(2_000), at(3_000)]);
  });

  it('from a person joins behind automatic ones where the workflow replays a history from before that rule', () => {
    const state = new ModelState('m');
    state.personFirst = () => false;
    state.signal(request('drift', 0), ids(), policy);
    state.request(request('cli', 1_000), ids());
    expect(state.pending?.requests.map((r) => r.source)).toEqual(['drift', 'cli']);
  });

  it('during a run is folded even inside the cooldown after the one before', () => {
    const state = afterRun(1_000);
    state.request(request('cli', 2_000), ids());
    state.start(at(2_000));
    expect(state.signal(request('drift', 3_000), ids(), policy).decision).toBe('folded');
  });

  it('while a run is queued is debounced even inside the cooldown', () => {
    const state = afterRun(1_000);
    state.request(request('cli', 2_000), ids());
    expect(state.signal(request('drift', 3_000), ids(), policy).decision).toBe('debounced');
  });

  it('is ignored while paused when automatic, and recorded with the reason', () => {
    const state = new ModelState('m');
    state.registry.paused = true;
    for (const source of ['drift', 'alert', 'schedule'] as const) {
      const decision = state.signal(request(source), ids(), policy);
      expect(decision).toEqual({ at: at(0), request: request(source), decision: 'ignored-paused', reason: 'automatic retraining is paused', runId: undefined });
    }
    expect(state.pending).toBeUndefined();
    expect(state.registry.decisions).toHaveLength(3);
  });

  it('from a person is not ignored while paused', () => {
    const state = new ModelState('m');
    state.registry.paused = true;
    expect(state.signal(request('temporal-cli'), ids(), policy).decision).toBe('scheduled');
    expect(state.pending).toBeDefined();
  });

  it('is ignored inside the cooldown after the last run, saying until when', () => {
    const state = afterRun(5_000);
    const decision = state.signal(request('drift', 5_000 + 59_999), ids(), policy);
    expect(decision.decision).toBe('ignored-cooldown');
    expect(decision.reason).toBe(`inside the cooldown after the last run, until ${at(65_000)}`);
    expect(decision.runId).toBeUndefined();
    expect(state.pending).toBeUndefined();
  });

  it('is scheduled once the cooldown has ended, at its very end included', () => {
    expect(afterRun(5_000).signal(request('drift', 65_000), ids(), policy).decision).toBe('scheduled');
    expect(afterRun(5_000).signal(request('alert', 70_000), ids(), policy).decision).toBe('scheduled');
  });

  it('from a person is not held back by the cooldown', () => {
    expect(afterRun(5_000).signal(request('temporal-cli', 6_000), ids(), policy).decision).toBe('scheduled');
  });

  it('has no cooldown before the first run has finished', () => {
    const state = new ModelState('m');
    expect(state.signal(request('drift', -1_000_000), ids(), { debounceMs: 0, cooldownMs: Number.MAX_SAFE_INTEGER }).decision).toBe('scheduled');
  });

  it('counts the pause before the cooldown', () => {
    const state = afterRun(5_000);
    state.registry.paused = true;
    expect(state.signal(request('drift', 6_000), ids(), policy).decision).toBe('ignored-paused');
  });
});

describe('an explicit request', () => {
  it('is queued now when nothing is queued, with pause and cooldown ignored', () => {
    const state = afterRun(5_000);
    state.registry.paused = true;
    expect(state.request(request('cli', 6_000), () => 'r7')).toEqual({ runId: 'r7', folded: false });
    expect(state.registry.decisions.at(-1)).toEqual({ at: at(6_000), request: request('cli', 6_000), decision: 'scheduled', reason: 'explicit request: queued now', runId: 'r7' });
  });

  it('folds into the run already queued', () => {
    const state = new ModelState('m');
    const newRunId = ids();
    state.signal(request('drift', 0), newRunId, policy);
    expect(state.request(request('cli', 1_000), newRunId)).toEqual({ runId: 'r1', folded: true });
    expect(state.registry.decisions.at(-1)).toMatchObject({ decision: 'folded', reason: 'folded into the run already queued', runId: 'r1' });
    expect(state.pending?.requests).toHaveLength(2);
  });

  it('without requestedAt is recorded with an empty time', () => {
    const state = new ModelState('m');
    state.request({ reason: 'x', source: 'cli' }, ids());
    expect(state.registry.decisions[0]?.at).toBe('');
  });
});

describe('when the queued run may start', () => {
  it('is now with nothing queued', () => {
    expect(new ModelState('m').startsAt(policy)).toBe(0);
  });

  it('is after the debounce window from the first automatic request', () => {
    const state = new ModelState('m');
    state.signal(request('drift', 1_000), ids(), policy);
    state.signal(request('alert', 4_000), ids(), policy);
    expect(state.startsAt(policy)).toBe(T0 + 11_000);
  });

  it('is now as soon as a person asked, first or later', () => {
    const later = new ModelState('m');
    later.signal(request('drift', 1_000), ids(), policy);
    later.request(request('cli', 2_000), ids());
    expect(later.startsAt(policy)).toBe(0);
    const first = new ModelState('m');
    first.request(request('cli', 2_000), ids());
    first.signal(request('drift', 3_000), ids(), policy);
    expect(first.startsAt(policy)).toBe(0);
  });
});

describe('a run', () => {
  it('cannot start with nothing queued', () => {
    expect(() => new ModelState('m').start(at(0))).toThrow('no queued run');
  });

  it('starts from the queued one, recorded in the runs, and finishes with its outcome', () => {
    const state = new ModelState('m');
    state.signal(request('drift', 0), ids(), policy);
    const run = state.start(at(10_000));
    expect(run).toEqual({ runId: 'r1', status: 'running', startedAt: at(10_000), requests: [request('drift', 0)] });
    expect(state.pending).toBeUndefined();
    expect(state.current).toBe(run);
    expect(state.registry.runs).toEqual([run]);

    state.finish('not-blessed', at(20_000), { version: 4 });
    expect(state.current).toBeUndefined();
    expect(state.registry.runs[0]).toEqual({ runId: 'r1', status: 'not-blessed', startedAt: at(10_000), finishedAt: at(20_000), version: 4, requests: [request('drift', 0)] });
    expect(state.registry.lastRunFinishedAt).toBe(at(20_000));
  });

  it('records a failure with its error', () => {
    const state = new ModelState('m');
    state.request(request('cli'), ids());
    state.start(at(1));
    state.finish('failed', at(2), { error: 'train failed: out of memory' });
    expect(state.registry.runs[0]).toMatchObject({ status: 'failed', error: 'train failed: out of memory', finishedAt: at(2) });
  });

  it('finishing with none running changes nothing', () => {
    const state = new ModelState('m');
    state.finish('failed', at(2));
    expect(state.registry.lastRunFinishedAt).toBeUndefined();
    expect(state.registry.runs).toEqual([]);
  });
});

describe('the decision log', () => {
  it('keeps the latest 200 decisions, dropping the oldest', () => {
    const state = new ModelState('m');
    state.registry.paused = true;
    for (let i = 0; i < 200; i++) state.signal(request('drift', i), ids(), policy);
    expect(state.registry.decisions).toHaveLength(200);
    expect(state.registry.decisions[0]?.at).toBe(at(0));
    for (let i = 200; i < 205; i++) state.signal(request('drift', i), ids(), policy);
    expect(state.registry.decisions).toHaveLength(200);
    expect(state.registry.decisions[0]?.at).toBe(at(5));
    expect(state.registry.decisions.at(-1)?.at).toBe(at(204));
  });
});

describe('registering a run', () => {
  it('numbers versions from 1 and records the run’s lineage', () => {
    const state = new ModelState('m');
    const result = runResult('run-1', { specHash: 'h1', datasetVersion: 'd1' });
    const v1 = state.register(result, by, { model: { kind: 'mlp' } }, at(5));
    expect(v1).toEqual({
      version: 1,
      runId: 'run-1',
      pipeline: 'seattle-temperature',
      specHash: 'h1',
      datasetVersion: 'd1',
      backend: 'cpu',
      backendDetail: undefined,
      hyperparameters: { model: { kind: 'mlp' } },
      metrics: { rmse: 3.5 },
      productionMetrics: { rmse: 3.6 },
      blessed: true,
      blessingReason: 'rmse 3.5 <= 4',
      modelArtifact: result.train.modelArtifact,
      transform: result.feature.transform,
      driftReference: result.evaluate.driftReference,
      registeredBy: by,
      createdAt: at(5),
      spec: result.spec,
    });
    expect(state.register(runResult('run-2'), by, {}, at(6)).version).toBe(2);
    expect(state.register(runResult('run-3', { blessed: false }), by, {}, at(7))).toMatchObject({ version: 3, blessed: false, blessingReason: 'rmse 5 > 4' });
    expect(state.registry.versions.map((v) => v.version)).toEqual([1, 2, 3]);
  });

  it('twice for the same run returns the version already registered', () => {
    const state = new ModelState('m');
    const first = state.register(runResult('run-1'), by, {}, at(5));
    const again = state.register(runResult('run-1', { datasetVersion: 'other' }), by, {}, at(6));
    expect(again).toBe(first);
    expect(state.registry.versions).toHaveLength(1);
  });
});

describe('an unchanged re-run', () => {
  // Built inside each test, not while the file is collected, so each test sees the code under test as it is then.
  const registered = () => {
    const state = new ModelState('m');
    return { state, v1: state.register(runResult('run-1', { specHash: 'h', datasetVersion: 'd', modelKey: 'models/k' }), by, {}, at(1)) };
  };

  it('is the version with the same spec, dataset and model', () => {
    const { state, v1 } = registered();
    expect(state.sameAs(runResult('run-2', { specHash: 'h', datasetVersion: 'd', modelKey: 'models/k' }))).toBe(v1);
  });

  it('is none when any of the three differs', () => {
    const { state } = registered();
    expect(state.sameAs(runResult('run-2', { specHash: 'h2', datasetVersion: 'd', modelKey: 'models/k' }))).toBeUndefined();
    expect(state.sameAs(runResult('run-2', { specHash: 'h', datasetVersion: 'd2', modelKey: 'models/k' }))).toBeUndefined();
    expect(state.sameAs(runResult('run-2', { specHash: 'h', datasetVersion: 'd', modelKey: 'models/k2' }))).toBeUndefined();
  });
});

describe('aliases', () => {
  it('production has no ref before a promotion, then the version’s artifacts', () => {
    const state = withVersions(2);
    expect(state.productionRef()).toBeUndefined();
    state.promote(2, 'deploy', 'blessed', at(9));
    const v2 = state.version(2)!;
    expect(state.productionRef()).toEqual({ version: 2, modelArtifact: v2.modelArtifact, transform: v2.transform });
  });

  it('looks versions up by number', () => {
    const state = withVersions(2);
    expect(state.version(undefined)).toBeUndefined();
    expect(state.version(2)?.runId).toBe('run-2');
    expect(state.version(3)).toBeUndefined();
  });

  it('moving one records who, when and why, and can remove it', () => {
    const state = withVersions(2);
    expect(state.moveAlias('canary', 2, 'deploy', 'canary at 10%', at(1))).toEqual({ alias: 'canary', from: undefined, to: 2, at: at(1), by: 'deploy', reason: 'canary at 10%' });
    expect(state.registry.aliases).toEqual({ canary: 2 });
    expect(state.moveAlias('canary', undefined, 'ann', 'rejected', at(2))).toEqual({ alias: 'canary', from: 2, to: undefined, at: at(2), by: 'ann', reason: 'rejected' });
    expect(state.registry.aliases).toEqual({});
    expect('canary' in state.registry.aliases).toBe(false);
    expect(state.registry.history).toHaveLength(2);
  });

  it('promoting the first version sets production only', () => {
    const state = withVersions(1);
    const change = state.promote(1, 'deploy', 'blessed: ok', at(1));
    expect(change).toEqual({ alias: 'production', from: undefined, to: 1, at: at(1), by: 'deploy', reason: 'blessed: ok' });
    expect(state.registry.aliases).toEqual({ production: 1 });
    expect(state.registry.history).toEqual([change]);
  });

  it('promoting keeps the version it replaces as previous and takes the promoted canary out', () => {
    const state = withVersions(2);
    state.promote(1, 'deploy', 'blessed', at(1));
    state.moveAlias('canary', 2, 'deploy', 'canary', at(2));
    state.promote(2, 'ann', 'looks good', at(3));
    expect(state.registry.aliases).toEqual({ production: 2, previous: 1 });
    expect(state.registry.history.slice(1).map(({ alias, from, to, by, reason }) => ({ alias, from, to, by, reason }))).toEqual([
      { alias: 'canary', from: undefined, to: 2, by: 'deploy', reason: 'canary' },
      { alias: 'previous', from: undefined, to: 1, by: 'ann', reason: 'replaced by v2' },
      { alias: 'canary', from: 2, to: undefined, by: 'ann', reason: 'v2 promoted' },
      { alias: 'production', from: 1, to: 2, by: 'ann', reason: 'looks good' },
    ]);
  });

  it('promoting leaves another version’s canary in place', () => {
    const state = withVersions(3);
    state.promote(1, 'deploy', 'blessed', at(1));
    state.moveAlias('canary', 3, 'deploy', 'canary', at(2));
    state.promote(2, 'ann', 'by hand', at(3));
    expect(state.registry.aliases).toEqual({ production: 2, previous: 1, canary: 3 });
  });

  it('promoting production again does not make it its own previous', () => {
    const state = withVersions(2);
    state.promote(1, 'deploy', 'blessed', at(1));
    state.promote(2, 'deploy', 'blessed', at(2));
    state.promote(2, 'deploy', 'again', at(3));
    expect(state.registry.aliases).toEqual({ production: 2, previous: 1 });
  });
});

describe('the update validators', () => {
  it('refuse a promote without a version, of an unknown version, or of production', () => {
    const empty = new ModelState('m');
    expect(() => empty.validatePromote({})).toThrow(new RegistryRequestError('promote needs a version'));
    expect(() => empty.validatePromote({ version: 1 })).toThrow(new RegistryRequestError('m has no version 1; versions: none'));
    const state = withVersions(2);
    expect(() => state.validatePromote({ version: 5 })).toThrow(new RegistryRequestError('m has no version 5; versions: 1, 2'));
    state.promote(2, 'deploy', 'blessed', at(1));
    expect(() => state.validatePromote({ version: 2 })).toThrow(new RegistryRequestError('v2 is already production'));
    expect(() => state.validatePromote({ version: 1 })).not.toThrow();
  });

  it('name their error class', () => {
    expect(() => new ModelState('m').validatePromote({})).toThrow(expect.objectContaining({ name: 'RegistryRequestError' }) as Error);
  });

  it('refuse a rollback with no previous version', () => {
    const state = withVersions(2);
    expect(() => state.validateRollback()).toThrow(new RegistryRequestError('m has no previous production version to roll back to'));
    state.promote(1, 'deploy', 'blessed', at(1));
    expect(() => state.validateRollback()).toThrow(RegistryRequestError);
    state.promote(2, 'deploy', 'blessed', at(2));
    expect(() => state.validateRollback()).not.toThrow();
  });

  it('refuse an approve or reject with nothing waiting, or for another version', () => {
    const state = withVersions(2);
    expect(() => state.validateDecision({})).toThrow(new RegistryRequestError('m has no version waiting for approval'));
    state.awaitingApproval = 2;
    expect(() => state.validateDecision({ version: 1 })).toThrow(new RegistryRequestError('v1 is not waiting for approval; v2 is'));
    expect(() => state.validateDecision({ version: 2 })).not.toThrow();
    expect(() => state.validateDecision({})).not.toThrow();
  });
});
