import type { Command } from 'commander';
import { CommanderError } from 'commander';
import type { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import type { PipelineSpecError } from '../pipelines/index.js';
import { PortInUseError } from '../stack/ports.js';
import { HintedError, START_WORKER_HINT } from '../clients/hinted-errors.js';
import { TASK_QUEUES } from '../contracts/stack.js';

/** An error a command raises on purpose: what went wrong, and what to do about it. */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    /** One line telling the operator what to do next. */
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Commander's own complaint about the command line, with the command it was about (e.g. `models show`). */
export class UsageError extends Error {
  override name = 'UsageError';

  constructor(
    readonly commanderError: CommanderError,
    readonly command: string,
  ) {
    super(commanderError.message);
  }
}

/** What the CLI prints for an error: two lines, `ctrain: <message>` and `hint: <hint>`. */
export interface ExplainedError {
  message: string;
  hint: string;
}

/** Where the CLI was pointed, so a network error can say which service it could not reach. */
export interface ErrorContext {
  temporalAddress: string;
  minioEndpoint: string;
}

const START_STACK = 'start the stack with `npx ctrain dev up`';
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN']);
const MINIO_CREDENTIAL_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied']);
/** gRPC status UNAVAILABLE: the server went away or never answered. */
const GRPC_UNAVAILABLE = 14;

/** Turns any error a command throws into one line and a hint; the classes of failure an operator meets often get their own words. */
export function explainError(error: unknown, context: ErrorContext): ExplainedError {
  const chain = causes(error);
  if (error instanceof CliError) return { message: error.message, hint: error.hint };
  if (error instanceof UsageError) return explainUsage(error);
  const hinted = chain.find((e): e is HintedError => e instanceof HintedError);
  if (hinted) return { message: hinted.message, hint: hinted.hint };
  // The server's own answer to a query on a queue nobody has polled for a while (commands that check first never get it).
  if (chain.some((e) => /no poller seen for task queue recently/i.test(e.message))) {
    return { message: `no ctrain worker is running for task queue ${TASK_QUEUES.general} at ${context.temporalAddress}`, hint: START_WORKER_HINT };
  }

  if (chain.some(isTemporalUnreachable)) {
    const stated = chain.map((e) => /^Cannot reach Temporal at (\S+)/.exec(e.message)?.[1]).find(Boolean);
    return { message: `cannot reach Temporal at ${stated ?? context.temporalAddress}`, hint: `${START_STACK}, or set CTRAIN_TEMPORAL_ADDRESS to your Temporal frontend` };
  }
  const namespace = chain.find(isTemporalError<NamespaceNotFoundError>('NamespaceNotFoundError'));
  if (namespace) return { message: `Temporal at ${context.temporalAddress} has no namespace "${namespace.namespace}"`, hint: 'set CTRAIN_TEMPORAL_NAMESPACE to an existing namespace' };

  const network = chain.find((e) => NETWORK_CODES.has(codeOf(e) ?? ''));
  if (network) {
    if (isMinio(network, new URL(context.minioEndpoint))) {
      return { message: `cannot reach MinIO at ${context.minioEndpoint}`, hint: `${START_STACK}, or set CTRAIN_MINIO_ENDPOINT to your S3 endpoint` };
    }
    return { message: `cannot connect to ${addressOf(network)} (${codeOf(network)})`, hint: 'check that the service at that address is up and reachable from here' };
  }
  const refused = chain.find((e) => MINIO_CREDENTIAL_CODES.has(codeOf(e) ?? ''));
  if (refused) return { message: `MinIO at ${context.minioEndpoint} refused ctrain's credentials (${codeOf(refused)})`, hint: 'set CTRAIN_MINIO_ACCESS_KEY and CTRAIN_MINIO_SECRET_KEY to a key pair it accepts' };

  if (error instanceof Error && error.name === 'UnknownPipelineError') {
    const [what, known] = error.message.split('; ');
    return { message: what ?? error.message, hint: known ?? 'see the pipelines/ folder' };
  }
  if (isPipelineSpecError(error)) {
    const problems = error.problems.map((p) => `${p.path || '(spec)'}: ${p.message}`).join('; ');
    return { message: `${error.pipeline ?? 'pipeline spec'}: spec is invalid: ${problems}`, hint: 'fix these fields in the spec file or in --override (npx ctrain pipelines check <file> lists them)' };
  }
  const notFound = chain.find(isTemporalError<WorkflowNotFoundError>('WorkflowNotFoundError'));
  if (notFound) {
    const modelName = /^model:(.+)$/.exec(notFound.workflowId)?.[1];
    return modelName
      ? { message: `no model "${modelName}": its model workflow ${notFound.workflowId} does not exist`, hint: `train it first with \`npx ctrain run ${modelName}\`; \`npx ctrain models ls\` lists the models` }
      : { message: `no workflow "${notFound.workflowId}"`, hint: '`npx ctrain status` lists recent runs' };
  }
  if (isTemporalError<WorkflowUpdateFailedError>('WorkflowUpdateFailedError')(error)) {
    return { message: oneLine(innermost(error).message), hint: 'the model workflow refused the request and changed nothing; `npx ctrain models show <model>` shows its registry' };
  }
  if (isTemporalError<WorkflowFailedError>('WorkflowFailedError')(error)) {
    return { message: `the workflow failed: ${oneLine(innermost(error).message)}`, hint: '`npx ctrain status` lists it; its history in the Web UI shows where' };
  }
  if (error instanceof PortInUseError) {
    const [first, ...rest] = error.message.split('. ');
    return { message: first ?? error.message, hint: rest.join('. ') || 'stop whatever holds the port' };
  }
  return { message: oneLine(chain.map((e) => e.message).join(': ')), hint: 'set CTRAIN_DEBUG=1 to see the stack trace' };
}

/** The two lines the CLI prints on stderr. */
export function formatError({ message, hint }: ExplainedError): string {
  return `ctrain: ${message}\nhint: ${hint}`;
}

/** Each stack of the error and its causes, for CTRAIN_DEBUG=1. */
export function debugTrace(error: unknown): string {
  return causes(error)
    .map((e, i) => `${i === 0 ? '' : 'caused by: '}${e.stack ?? e.message}`)
    .join('\n');
}

/**
 * Makes commander throw its complaints (unknown option, missing argument…) instead of printing
 * them and exiting, so they come out in the same two lines as every other error. Help still prints.
 */
export function routeUsageErrors(command: Command, path: string[] = []): void {
  command.exitOverride((error) => {
    throw isHelp(error) ? error : new UsageError(error, path.join(' '));
  });
  command.configureOutput({ outputError: () => undefined });
  for (const sub of command.commands) routeUsageErrors(sub, [...path, sub.name()]);
}

/** Commander's ways of ending after printing help (asked for or not), which are no error to explain. */
export function isHelp(error: unknown): error is CommanderError {
  return error instanceof CommanderError && ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code);
}

function explainUsage({ commanderError, command }: UsageError): ExplainedError {
  const [first = '', ...rest] = commanderError.message.split('\n');
  const suggestion = /\(Did you mean (.+)\?\)/.exec(rest.join(' '))?.[1];
  const help = `\`npx ctrain ${command ? `${command} ` : ''}--help\``;
  return { message: first.replace(/^error: /, ''), hint: suggestion ? `did you mean ${suggestion}? ${help} lists the choices` : `${help} shows the usage` };
}

function isTemporalUnreachable(error: Error): boolean {
  if (/^Cannot reach Temporal at /.test(error.message) || /Failed to connect before the deadline/.test(error.message)) return true;
  return isGrpcServiceError(error) && Number(error.code) === GRPC_UNAVAILABLE;
}

/*
 * The classes of errors thrown by Temporal and by pipelines/ are recognised without importing them,
 * so that the CLI's start (and `--help`) loads neither @temporalio/client nor zod.
 */

/**
 * Temporal's error classes answer `instanceof` through a marker on their prototype
 * (SymbolBasedInstanceOfError in @temporalio/common), which holds across copies of the package;
 * the same marker is read here.
 */
function isTemporalError<T extends Error>(className: string): (error: unknown) => error is T {
  const marker = Symbol.for(`__temporal_is${className}`);
  return (error: unknown): error is T => error instanceof Error && (error as unknown as Record<symbol, unknown>)[marker] === true;
}

/** As @temporalio/client's isGrpcServiceError: an error with the fields of a gRPC status. */
function isGrpcServiceError(error: Error): error is Error & { code: unknown } {
  const { details, metadata } = error as { details?: unknown; metadata?: unknown };
  return typeof details === 'string' && typeof metadata === 'object' && metadata !== null;
}

/** A PipelineSpecError (pipelines/spec-errors.ts), by its name and its list of problems. */
function isPipelineSpecError(error: unknown): error is PipelineSpecError {
  return error instanceof Error && error.name === 'PipelineSpecError' && Array.isArray((error as { problems?: unknown }).problems);
}

/** The error and its causes, outermost first; an AggregateError's errors count as causes. */
function causes(error: unknown): Error[] {
  const found: Error[] = [];
  const visit = (value: unknown): void => {
    if (!(value instanceof Error) || found.includes(value)) return;
    found.push(value);
    if (value instanceof AggregateError) value.errors.forEach(visit);
    visit(value.cause);
  };
  visit(error instanceof Error ? error : new Error(String(error)));
  return found;
}

function innermost(error: Error): Error {
  const chain = causes(error);
  return chain[chain.length - 1] ?? error;
}

const codeOf = (error: Error): string | undefined => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
};

interface NetworkErrorFields {
  address?: string;
  port?: number;
  hostname?: string;
}

/**
 * Whether a Node network error was about the MinIO endpoint: by its port, else by its host name.
 * One that names no address is taken as MinIO's, the one plain-HTTP service the CLI talks to.
 */
function isMinio(error: Error, minio: URL): boolean {
  const { port, hostname } = error as NetworkErrorFields;
  if (port !== undefined) return String(port) === (minio.port || (minio.protocol === 'https:' ? '443' : '80'));
  return hostname === undefined || hostname === minio.hostname;
}

const addressOf = (error: Error): string => {
  const { address, port, hostname } = error as NetworkErrorFields;
  return address && port ? `${address}:${port}` : (hostname ?? 'the service');
};

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();
