import { createWriteStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import type { SourceLocation } from '../contracts/source-uri.js';
import { parseSourceUri } from '../contracts/source-uri.js';
import { uriOf } from '../contracts/pipeline-run.js';
import { PROJECT_ROOT } from '../stack/paths.js';
import type { ObjectStore } from '../storage/gateway.js';
import { isMissingObject } from '../storage/gateway.js';
import type { SourcePolicy } from './source-policy.js';
import { checkSourceAllowed } from './source-policy.js';

const requireFromProject = createRequire(join(PROJECT_ROOT, 'package.json'));

/**
 * Makes a source readable as a local file: local and package files are used in place; http(s)
 * and s3 sources are streamed to `scratch` first (never held whole in memory).
 */
export async function localSourceFile(uri: string, scratch: string, storage: ObjectStore, policy: SourcePolicy): Promise<string> {
  const location = parseSourceUri(uri);
  await checkSourceAllowed(policy, uri, location);
  switch (location.kind) {
    case 'file':
      return resolve(location.path);
    case 'package':
      return packageFile(location);
    case 'http':
      return download(location.url, scratch);
    case 's3':
      try {
        await storage.download({ bucket: location.bucket, key: location.key }, scratch);
      } catch (error) {
        if (isMissingObject(error)) throw ApplicationFailure.nonRetryable(`Source ${uri} does not exist (${(error as { code?: string }).code}).`, FAILURE_TYPES.SourceNotFound);
        throw error;
      }
      return scratch;
  }
}

function packageFile({ packageName, path }: Extract<SourceLocation, { kind: 'package' }>): string {
  return join(packageRoot(packageName), path);
}

/** The installed package's folder; packages whose `exports` hide package.json are found in node_modules. */
function packageRoot(packageName: string): string {
  try {
    return dirname(requireFromProject.resolve(`${packageName}/package.json`));
  } catch {
    const candidate = join(PROJECT_ROOT, 'node_modules', packageName);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    throw ApplicationFailure.nonRetryable(`Source package "${packageName}" is not installed; add it to package.json.`, FAILURE_TYPES.SourceNotFound);
  }
}

async function download(url: string, scratch: string): Promise<string> {
  const response = await fetch(url).catch((error: unknown) => {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a TLS fault) is its cause.
    const reason = (error as { cause?: unknown }).cause;
    const detail = reason instanceof Error ? reason.message : (error as Error).message;
    // Retryable: a server that is down or restarting may well answer the next attempt.
    throw ApplicationFailure.retryable(`GET ${url} failed: ${detail}`, FAILURE_TYPES.SourceUnreachable);
  });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    const message = `GET ${url} answered HTTP ${response.status}`;
    // Most 4xx will not fix themselves; 408, 429, 5xx and network errors are retried by Temporal.
    const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
    throw permanent ? ApplicationFailure.nonRetryable(message, response.status === 404 || response.status === 410 ? FAILURE_TYPES.SourceNotFound : FAILURE_TYPES.SourceRefused) : new Error(message);
  }
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(scratch));
  return scratch;
}

/** Whether a source URI's last path segment holds `*`: a set of objects (dated files, say), read together. */
export function isSourcePattern(uri: string): boolean {
  return (uri.split('/').at(-1) ?? '').includes('*');
}

/**
 * Local copies of every object a source names: the one, or each match of the `*` pattern in its
 * last path segment (file and s3 sources), in name order, which for dated names is time order.
 * `objects` names each as a URI, for the run's lineage.
 */
export async function localSourceFiles(uri: string, scratchDir: string, storage: ObjectStore, policy: SourcePolicy): Promise<{ files: string[]; objects: string[] }> {
  if (!isSourcePattern(uri)) return { files: [await localSourceFile(uri, join(scratchDir, 'source.download'), storage, policy)], objects: [uri] };
  const location = parseSourceUri(uri);
  if (location.kind === 'file') {
    const folder = dirname(resolve(location.path));
    await checkSourceAllowed(policy, uri, { kind: 'file', path: folder });
    const pattern = globPattern(basename(location.path));
    const names = (await readdir(folder).catch(() => [] as string[])).filter((name) => pattern.test(name)).sort();
    if (names.length === 0) throw ApplicationFailure.nonRetryable(`No file matches the source ${uri}.`, FAILURE_TYPES.SourceNotFound);
    const files = names.map((name) => join(folder, name));
    // A match may be a link that leads out of the data roots.
    for (const file of files) await checkSourceAllowed(policy, file, { kind: 'file', path: file });
    return { files, objects: files };
  }
  if (location.kind !== 's3') throw ApplicationFailure.nonRetryable(`Source ${uri}: a * pattern is for file and s3 sources.`, FAILURE_TYPES.PipelineSpecError);
  const pattern = globPattern(location.key);
  const prefix = location.key.slice(0, location.key.indexOf('*'));
  await checkSourceAllowed(policy, uri, { kind: 's3', bucket: location.bucket, key: prefix });
  const keys = (await storage.listKeys({ bucket: location.bucket, prefix })).filter((key) => pattern.test(key)).sort();
  if (keys.length === 0) throw ApplicationFailure.nonRetryable(`No object matches the source ${uri}.`, FAILURE_TYPES.SourceNotFound);
  const files: string[] = [];
  for (const [i, key] of keys.entries()) {
    const file = join(scratchDir, `${String(i).padStart(5, '0')}-${basename(key)}`);
    await storage.download({ bucket: location.bucket, key }, file);
    files.push(file);
  }
  return { files, objects: keys.map((key) => uriOf({ bucket: location.bucket, key })) };
}

/** A `*` pattern (any run of characters within one path segment) as a whole-string RegExp. */
function globPattern(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
}
