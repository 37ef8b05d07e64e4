/**
 * Which sources a worker may read. A source URI reaches the worker from a spec or a run's
 * override, so it is input from whoever may start a run; without this rule any file or URL the
 * worker's account can read (a key file, a cloud metadata endpoint) could become a dataset.
 * Checked where the worker reads, so no client, CLI or not, gets past it.
 */
import { realpath } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import { uriOf } from '../contracts/pipeline-run.js';
import type { SourceLocation } from '../contracts/source-uri.js';
import { datasetKeys } from '../storage/layout.js';

export interface SourcePolicy {
  /** Folders local sources must lie in, symbolic links followed. */
  dataRoots: readonly string[];
  /** Prefixes http(s) and s3 sources must start with, e.g. 's3://ctrain-datasets/' or 'https://data.example.com/'. */
  uriPrefixes: readonly string[];
}

/** The setting for each half of the policy, named in every refusal so the operator knows what to change. */
export const SOURCE_POLICY_ENV = { dataRoots: 'CTRAIN_DATA_ROOTS', uriPrefixes: 'CTRAIN_SOURCE_PREFIXES' } as const;

/**
 * The policy from the environment: CTRAIN_DATA_ROOTS (folders, separated as PATH is; default the
 * worker's working directory) and CTRAIN_SOURCE_PREFIXES (comma-separated; default ctrain's
 * datasets bucket). Sources inside installed npm packages (package://) are code the operator
 * installed, and always allowed.
 */
export function sourcePolicyFromEnv(env: NodeJS.ProcessEnv = process.env): SourcePolicy {
  const list = (text: string | undefined, separator: string) => (text ?? '').split(separator).map((part) => part.trim()).filter((part) => part !== '');
  const roots = list(env[SOURCE_POLICY_ENV.dataRoots], delimiter);
  const prefixes = list(env[SOURCE_POLICY_ENV.uriPrefixes], ',');
  return {
    dataRoots: (roots.length > 0 ? roots : [process.cwd()]).map((root) => resolve(root)),
    uriPrefixes: prefixes.length > 0 ? prefixes : [datasetKeys.sourcesUri],
  };
}

/** Throws a non-retryable SourceNotAllowed unless the policy allows reading `location` (named `uri` in the message). */
export async function checkSourceAllowed(policy: SourcePolicy, uri: string, location: SourceLocation): Promise<void> {
  switch (location.kind) {
    case 'package':
      return;
    case 'file': {
      const path = await canonicalPath(resolve(location.path));
      const roots = await Promise.all(policy.dataRoots.map((root) => canonicalPath(resolve(root))));
      if (roots.some((root) => isInside(path, root))) return;
      throw refusal(uri, `it lies outside the data roots (${policy.dataRoots.join(', ') || 'none'}; ${SOURCE_POLICY_ENV.dataRoots})`);
    }
    case 'http':
    case 's3': {
      const address = location.kind === 'http' ? location.url : uriOf({ bucket: location.bucket, key: location.key });
      if (policy.uriPrefixes.some((prefix) => address.startsWith(prefix))) return;
      throw refusal(uri, `it starts with none of the allowed prefixes (${policy.uriPrefixes.join(', ') || 'none'}; ${SOURCE_POLICY_ENV.uriPrefixes})`);
    }
  }
}

function refusal(uri: string, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`Source ${JSON.stringify(uri)} is not allowed: ${why}. An operator allows more sources with that setting on the workers.`, FAILURE_TYPES.SourceNotAllowed);
}

/**
 * The path with symbolic links resolved. A path that does not exist yet resolves through its
 * nearest existing folder, so the answer does not tell whether a file outside the roots exists.
 */
async function canonicalPath(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return resolve(await canonicalPath(parent), relative(parent, path));
  }
}

function isInside(path: string, root: string): boolean {
  const within = relative(root, path);
  return within === '' || (within !== '..' && !within.startsWith(`..${sep}`) && !isAbsolute(within));
}
