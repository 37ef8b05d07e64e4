import {
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { failureCause } from '../contracts/failures.js';
import type { AliasRequest, ModelWorkflowInput, Registry, RetrainRequest } from '../contracts/model.js';
import { aliasRequestProblem, pauseRequestProblem, retrainRequestProblem } from '../contracts/model-requests.js';
import {
  approveUpdate,
  pauseUpdate,
  promoteUpdate,
  publishedRegistryQuery,
  registryQuery,
  rejectUpdate,
  requestRunUpdate,
  retrainSignal,
  rollbackUpdate,
} from '../contracts/model.js';
import type { PipelineRunResult } from '../contracts/pipeline-run.js';
import { inputWithModelName, runResultOfFormatTwo } from '../contracts/format-renames.js';
import { STEP_RETRY } from '../contracts/retry.js';
import { deployVersion } from './deploy.js';
import type { RetrainPolicy } from './model-state.js';
import { ModelState, RegistryRequestError } from './model-state.js';
import { checkedModelName } from './model-name.js';
import { parseDuration } from '../contracts/duration.js';
import { trainingPipelineWorkflow } from './training-pipeline.js';

// Small reads and writes: a worker killed during one is noticed in seconds, and retries outlast a storage outage.
const { writeRegistry, resolvePipeline, ensureSchedules } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: STEP_RETRY,
});

/** Runs before continuing as new, so the history stays small. */
const RUNS_PER_HISTORY = 20;
/** Debounce waits shorter than this start the run at once. */
const MIN_TIMER_MS = 100;
/** Patch id: a run's child workflow starts while its start is being written to MinIO. */
const START_WHILE_PUBLISHING = 'start-run-while-publishing';
/** Patch id: a person's request joining a run queued by automatic ones alone goes first, so its settings rule the run. */
const PERSON_REQUEST_FIRST = 'person-request-first';
/** Continue as new past this many history events even without runs (a flood of signals). */
const MAX_HISTORY_EVENTS = 5_000;
const DEFAULT_POLICY: RetrainPolicy = { debounceMs: parseDuration('10 seconds'), cooldownMs: parseDuration('30 minutes') };

/** Refuses the update when its payload is no alias request (a string for a version, a 10 kB `by`). */
function checkAliasRequest(request: unknown): void {
  const problem = aliasRequestProblem(request);
  if (problem) throw new RegistryRequestError(problem);
}

/**
 * One per model (`model:<name>`): the single writer of its registry and the one place where
 * retraining is decided. Never runs two trainings at once; requests that arrive meanwhile are
 * folded into one follow-up run.
 */
export async function modelWorkflow(received: ModelWorkflowInput): Promise<void> {
  // Histories and schedules of earlier code name the model `model`.
  const input = inputWithModelName(received);
  checkedModelName(input.modelName);
  const state = new ModelState(input.modelName, input.registry, input.pending);
  state.personFirst = () => patched(PERSON_REQUEST_FIRST);
  const now = (): string => new Date().toISOString();
  const by = (who: string | undefined): string => who ?? 'operator';
  const newRunId = (): string => `${input.modelName}.train.${now().replace(/[-:.]/g, '')}`;

  let policy = DEFAULT_POLICY;
  // What MinIO holds: a copy taken at each write, so later changes in memory do not show in it.
  // Writes can overlap (an update handler during a run): the latest snapshot written wins.
  let published = copy(state.registry);
  let snapshots = 0;
  let publishedSnapshot = 0;
  const publish = async (): Promise<void> => {
    const snapshot = copy(state.registry);
    const number = ++snapshots;
    await writeRegistry({ registry: snapshot });
    if (number > publishedSnapshot) [published, publishedSnapshot] = [snapshot, number];
  };

  setHandler(registryQuery, () => state.registry);
  setHandler(publishedRegistryQuery, () => published);
  // A signal cannot be refused to its sender: one that is no request is logged as refused, and queues nothing.
  setHandler(retrainSignal, (request: unknown) => {
    const problem = retrainRequestProblem(request);
    if (problem) void state.refuse(request, problem, now());
    else void state.signal({ ...(request as RetrainRequest), requestedAt: now() }, newRunId, policy);
  });
  setHandler(requestRunUpdate, (request) => state.request({ ...request, requestedAt: now() }, newRunId), {
    validator: (request: unknown) => {
      const problem = retrainRequestProblem(request);
      if (problem) throw new RegistryRequestError(problem);
    },
  });
  setHandler(
    promoteUpdate,
    async (request = {}) => {
      const change = state.promote(request.version!, by(request.by), request.reason ?? 'promoted by hand', now());
      await publish();
      return change;
    },
    {
      validator: (request: AliasRequest = {}) => {
        checkAliasRequest(request);
        state.validatePromote(request);
      },
    },
  );
  setHandler(
    rollbackUpdate,
    async (request = {}) => {
      const change = state.promote(state.registry.aliases.previous!, by(request.by), request.reason ?? 'rolled back by hand', now());
      await publish();
      return change;
    },
    {
      validator: (request: AliasRequest) => {
        checkAliasRequest(request);
        state.validateRollback();
      },
    },
  );
  for (const [update, approved] of [[approveUpdate, true], [rejectUpdate, false]] as const) {
    setHandler(
      update,
      (request = {}) => {
        const version = state.awaitingApproval!;
        state.decision = { version, approved, by: by(request.by), reason: request.reason ?? (approved ? 'approved' : 'rejected') };
        return { version };
      },
      {
        validator: (request: AliasRequest = {}) => {
          checkAliasRequest(request);
          state.validateDecision(request);
        },
      },
    );
  }
  setHandler(
    pauseUpdate,
    async ({ paused }) => {
      state.registry.paused = paused;
      await publish();
      return { paused };
    },
    {
      validator: (request: unknown) => {
        const problem = pauseRequestProblem(request);
        if (problem) throw new RegistryRequestError(problem);
      },
    },
  );

  policy = await retrainPolicy(input.modelName, state.registry);
  const runsBeforeContinuing = input.continueAsNewAfterRuns ?? RUNS_PER_HISTORY;
  const historyFull = (): boolean => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS;
  for (let runs = 0; runs < runsBeforeContinuing; runs++) {
    await condition(() => state.pending !== undefined || historyFull());
    if (!state.pending) break;
    // Automatic requests wait out the debounce window; more may join meanwhile. A wait shorter
    // than a server timer's own latency (up to about a second) is not worth one.
    for (let wait = state.startsAt(policy) - Date.now(); wait > MIN_TIMER_MS; wait = state.startsAt(policy) - Date.now()) await sleep(wait);
    const run = state.start(now());
    // The run starts in the same workflow task that writes "running" to MinIO, not one registry
    // write (an activity and a workflow task, some 40 ms) later. Older histories waited.
    const publishingStart = publish();
    publishingStart.catch(() => undefined); // awaited below; marked handled so a failure surfaces there, not as an unhandled rejection
    if (!patched(START_WHILE_PUBLISHING)) await publishingStart;
    const request = run.requests[0];
    const resumed = state.registry.runs.find((earlier) => earlier.runId === request?.resumeOf)?.requests[0];
    try {
      const result = await executeChild(trainingPipelineWorkflow, {
        workflowId: run.runId,
        args: [
          {
            pipeline: input.modelName,
            cache: request?.cache ?? resumed?.cache,
            overrides: request?.overrides ?? resumed?.overrides,
            resumeOf: request?.resumeOf,
            production: state.productionRef(),
            trainTaskQueue: input.trainTaskQueue,
          },
        ],
        searchAttributes: { ModelName: [input.modelName] },
      });
      await publishingStart;
      await registerAndDeploy(state, runResultOfFormatTwo(result), now);
    } catch (error) {
      // A run cancelled by a person (`ctrain cancel`) is not a failure of the pipeline.
      state.finish(isCancellation(error) ? 'cancelled' : 'failed', now(), { error: describe(error) });
    }
    await publishingStart;
    await publish();
    policy = await retrainPolicy(input.modelName, state.registry);
  }

  await condition(allHandlersFinished);
  await continueAsNew<typeof modelWorkflow>({ ...input, registry: state.registry, pending: state.pending });

  async function registerAndDeploy(state: ModelState, result: PipelineRunResult, clock: () => string): Promise<void> {
    const unchanged = state.sameAs(result);
    if (unchanged) {
      state.finish('registered', clock(), { version: unchanged.version });
      return;
    }
    const { spec } = result;
    const version = state.register(result, { workflowId: workflowInfo().workflowId, runId: workflowInfo().runId }, { network: spec.network, training: spec.training }, clock());
    if (!version.blessed) {
      state.finish('not-blessed', clock(), { version: version.version });
      return;
    }
    await publish();
    const outcome = await deployVersion(state, version, spec, clock, publish);
    state.finish(outcome, clock(), { version: version.version });
    // A model in production gets its drift check (and periodic retraining, if the spec asks).
    if (state.registry.aliases.production !== undefined) await ensureSchedules({ spec });
  }
}

/** The spec's debounce and cooldown, recorded in the registry; defaults when the spec cannot be resolved (its runs will fail and say why). */
async function retrainPolicy(modelName: string, registry: Registry): Promise<RetrainPolicy> {
  try {
    const { spec } = await resolvePipeline({ pipeline: modelName });
    registry.policy = { debounce: spec.drift.debounce, cooldown: spec.drift.cooldown, source: 'spec' };
    return { debounceMs: parseDuration(spec.drift.debounce), cooldownMs: parseDuration(spec.drift.cooldown) };
  } catch (error) {
    registry.policy = { debounce: '10 seconds', cooldown: '30 minutes', source: `defaults: ${describe(error)}` };
    return DEFAULT_POLICY;
  }
}

const copy = (registry: Registry): Registry => JSON.parse(JSON.stringify(registry)) as Registry;

/** What went wrong, for a person reading the registry or the Web UI: the failed step and its deepest message. */
function describe(error: unknown): string {
  if (isCancellation(error)) return 'cancelled on request (ctrain cancel, or Request Cancellation in the Web UI)';
  const { activity, message = error instanceof Error ? error.name : String(error) } = failureCause(error);
  return activity ? `${activity} failed: ${message}` : message;
}
