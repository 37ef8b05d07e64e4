import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { cacheDir, PROJECT_ROOT } from '../stack/paths.js';

/**
 * The folders the workflow bundle is made of, with the locked package versions (the SDK, zod).
 * Workflows import nothing else at run time (test/unit/workflow-bundle.test.ts checks).
 */
export const BUNDLE_INPUTS = ['workflows', 'contracts'];
/**
 * Workflow interceptor modules, always bundled (OpenTelemetry's: a worker without tracing drops
 * their spans in its sink), so that one bundle serves workers with and without tracing.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = ['workflows/interceptors.ts'];
/** Bundles kept in the cache; older ones (earlier source states) are removed. */
const KEEP_BUNDLES = 10;

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * The workflow code bundled for the worker's sandbox, once per source state: webpack takes seconds
 * of CPU, and every worker process (and test file) would otherwise repeat it. The bundle is kept in
 * the cache under a hash of its sources and the lockfile, so any change to them makes a new one.
 */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= cachedBundle();
  return bundle;
}

async function cachedBundle(): Promise<WorkflowBundleWithSourceMap> {
  const dir = join(cacheDir(), 'workflow-bundles');
  const file = join(dir, `${await sourceHash()}.json`);
  const cached = await readFile(file, 'utf8').catch(() => undefined);
  if (cached) return JSON.parse(cached) as WorkflowBundleWithSourceMap;
  const { code, sourceMap } = await bundleWorkflowCode({
    workflowsPath: join(PROJECT_ROOT, 'workflows', 'index.ts'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES.map((module) => join(PROJECT_ROOT, module)),
    logger: quietBundlerLogger,
  });
  // Write, then rename: processes bundling at the same time never read a half-written file.
  await mkdir(dir, { recursive: true });
  const partial = `${file}.${randomUUID()}.partial`;
  await writeFile(partial, JSON.stringify({ code, sourceMap }));
  await rename(partial, file);
  await pruneOldBundles(dir);
  return { code, sourceMap };
}

async function pruneOldBundles(dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  const dated = await Promise.all(names.map(async (name) => ({ name, modified: (await stat(join(dir, name))).mtimeMs })));
  const old = dated.sort((a, b) => b.modified - a.modified).slice(KEEP_BUNDLES);
  await Promise.all(old.map(({ name }) => rm(join(dir, name), { force: true })));
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256').update(await readFile(join(PROJECT_ROOT, 'package-lock.json'))).update(`${WORKFLOW_INTERCEPTOR_MODULES.join('\0')}\0`);
  for (const folder of BUNDLE_INPUTS) {
    const files = (await readdir(join(PROJECT_ROOT, folder), { recursive: true })).filter((name) => name.endsWith('.ts')).sort();
    for (const name of files) hash.update(`${folder}/${name}\0`).update(await readFile(join(PROJECT_ROOT, folder, name)));
  }
  return hash.digest('hex').slice(0, 24);
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};
