/**
 * Reads a run's snapshot for `ctrain watch` from Temporal alone: describe() for its status and
 * its pending activities' heartbeats, its history for the manifests it recorded and its spec's
 * epochs, the model workflow's registry query for register and deploy.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { Registry } from '../contracts/model.js';
import type { StepManifest, StepName } from '../contracts/pipeline-run.js';
import { PIPELINE_STEPS } from '../contracts/pipeline-run.js';
import { CliError } from './errors.js';
import type { PendingActivity, RunSnapshot } from './watch-view.js';

/** The run a `watch` follows, and its model when it belongs to a model workflow. */
export interface RunTarget {
  runId: string;
  modelName?: string;
}

/** What a run's history says, read once it can no longer change. */
interface HistoryFacts {
  manifests: RunSnapshot['manifests'];
  epochs?: number;
  /** The last step activity the run scheduled. */
  lastStep?: StepName;
}

const RUN_ID = /^(.+)\.train\.\d{8}T\d+Z$/;

/** The model a watch target names: a run id's model, a model workflow's, or the model itself. */
export const modelOfTarget = (target: string): string => RUN_ID.exec(target)?.[1] ?? target.replace(/^model:/, '');

/**
 * The run `target` names: a run's workflow id (`flight-delay.train.<time>`), `model:<name>`, or a
 * model's name, meaning its model workflow's current run, else its latest.
 */
export async function resolveRun(client: Client, target: string): Promise<RunTarget> {
  const description = await client.workflow.getHandle(target).describe().catch(notFoundAsUndefined);
  if (description?.type === 'trainingPipelineWorkflow') return { runId: target, modelName: modelOf(description) };
  const modelName = description?.type === 'modelWorkflow' ? target.replace(/^model:/, '') : target;
  const registry = await readRegistry(client, modelName);
  if (!registry) {
    // A run queued behind its model's current one has an id before it has a workflow.
    const queuedFor = RUN_ID.exec(target)?.[1];
    if (queuedFor && (await readRegistry(client, queuedFor))) return { runId: target, modelName: queuedFor };
    throw new CliError(`no run or model named "${target}"`, '`npx ctrain status` lists recent runs, `npx ctrain models ls` the models');
  }
  const run = [...registry.runs].reverse().find((candidate) => candidate.status === 'running') ?? registry.runs.at(-1);
  if (!run) throw new CliError(`${modelName} has no runs yet`, `start one with \`npx ctrain run ${modelName}\``);
  return { runId: run.runId, modelName };
}

/** Takes snapshots of one run; what cannot change any more (a closed run's history) is read once. */
export class RunReader {
  private closedHistory?: HistoryFacts;
  private failure?: RunSnapshot['failure'];

  constructor(
    private readonly client: Client,
    private readonly target: RunTarget,
  ) {}

  async snapshot(): Promise<RunSnapshot> {
    const { runId } = this.target;
    const handle = this.client.workflow.getHandle(runId);
    const registered = this.target.modelName ? await this.modelView(this.target.modelName) : undefined;
    const description = await handle.describe().catch(notFoundAsUndefined);
    if (!description) {
      const laterRun = registered?.registry.runs.some((run) => run.runId > runId);
      if (!registered || laterRun) throw new CliError(`no run "${runId}"`, '`npx ctrain status` lists recent runs');
      return { runId, manifests: {}, pending: [], modelView: registered.view };
    }
    const status = description.status.name;
    const history = this.closedHistory ?? (await this.readHistory());
    if (status !== 'RUNNING') this.closedHistory = history;
    if (status !== 'RUNNING' && status !== 'COMPLETED' && !this.failure) this.failure = await this.readFailure(history);
    return { runId, status, manifests: history.manifests, epochs: history.epochs, pending: await this.pending(description), failure: this.failure, modelView: registered?.view };
  }

  private async modelView(name: string): Promise<{ registry: Registry; view: NonNullable<RunSnapshot['modelView']> } | undefined> {
    const registry = await readRegistry(this.client, name);
    if (!registry) return undefined;
    const run = registry.runs.find((candidate) => candidate.runId === this.target.runId);
    const version = registry.versions.find((candidate) => candidate.runId === this.target.runId) ?? registry.versions.find((candidate) => candidate.version === run?.version);
    return { registry, view: { name, run, version, aliases: registry.aliases, history: registry.history } };
  }

  private async pending(description: WorkflowExecutionDescription): Promise<PendingActivity[]> {
    const activities: PendingActivity[] = [];
    for (const info of description.raw.pendingActivities ?? []) {
      const payload = info.heartbeatDetails?.payloads?.[0];
      activities.push({
        activity: info.activityType?.name ?? '?',
        attempt: info.attempt ?? 1,
        heartbeat: payload ? await this.decode(payload) : undefined,
        lastFailure: info.lastFailure?.message ?? undefined,
      });
    }
    return activities;
  }

  /** Manifests from the recordRunStep activities the run scheduled; epochs from train's input spec. */
  private async readHistory(): Promise<HistoryFacts> {
    const facts: HistoryFacts = { manifests: {} };
    const history = await this.client.workflow.getHandle(this.target.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      const name = scheduled?.activityType?.name;
      const payload = scheduled?.input?.payloads?.[0];
      if (!name || !payload) continue;
      if (name === 'recordRunStep') {
        const { manifest } = (await this.decode(payload)) as { manifest: StepManifest };
        facts.manifests[manifest.step] = manifest;
      } else if ((PIPELINE_STEPS as readonly string[]).includes(name)) {
        facts.lastStep = name as StepName;
        if (name === 'train') facts.epochs = ((await this.decode(payload)) as { spec?: { training?: { epochs?: number } } }).spec?.training?.epochs;
      }
    }
    return facts;
  }

  /** Why a closed run failed: the activity that failed (else the step it was in) and the innermost message. */
  private async readFailure(history: HistoryFacts): Promise<RunSnapshot['failure']> {
    const { failureCause } = await import('../contracts/failures.js');
    const error = await this.client.workflow
      .getHandle(this.target.runId)
      .result()
      .then(() => undefined, (reason: unknown) => reason);
    const { activity, message } = failureCause(error);
    const stoppedIn = history.lastStep && !history.manifests[history.lastStep] ? history.lastStep : undefined;
    return { activity: activity ?? stoppedIn, message: message ?? 'no reason given' };
  }

  /** A payload through the client's codecs (payload encryption) and converter. */
  private async decode(payload: Payload): Promise<unknown> {
    const { payloadCodecs, payloadConverter } = this.client.options.loadedDataConverter;
    let decoded = payload;
    for (const codec of [...payloadCodecs].reverse()) decoded = (await codec.decode([decoded]))[0] ?? decoded;
    return payloadConverter.fromPayload(decoded);
  }
}

async function readRegistry(client: Client, modelName: string): Promise<Registry | undefined> {
  const { modelWorkflowId, registryQuery } = await import('../contracts/model.js');
  return client.workflow.getHandle(modelWorkflowId(modelName)).query(registryQuery).catch(notFoundAsUndefined);
}

function modelOf(description: WorkflowExecutionDescription): string | undefined {
  return /^model:(.+)$/.exec(description.parentExecution?.workflowId ?? '')?.[1];
}

/** Loads @temporalio/client when first needed: cli modules load no heavy dependency at their top level. */
async function notFoundAsUndefined(error: unknown): Promise<undefined> {
  const { WorkflowNotFoundError } = await import('@temporalio/client');
  if (error instanceof WorkflowNotFoundError) return undefined;
  throw error;
}
