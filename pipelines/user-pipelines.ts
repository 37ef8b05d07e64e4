/**
 * Pipelines of people's own, outside ctrain's code: a file (TypeScript, JavaScript or JSON) whose
 * default export is a spec, or a folder of them (CTRAIN_PIPELINES). `ctrain run <file>` stores the
 * spec in MinIO under the pipeline's name, where workers resolve it: no ctrain code is edited, and
 * retraining started by drift or an alert finds the same spec without the file.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PipelineSpec, PipelineSpecInput } from '../contracts/pipeline-spec.js';
import type { ObjectStore } from '../storage/gateway.js';
import { pipelineKeys } from '../storage/layout.js';
import { findPipeline, parsePipelineSpec, PipelineSpecError } from './index.js';
import { PIPELINES_ENV } from '../contracts/settings.js';

/** The folder of pipeline files the CLI reads beside the shipped pipelines. */
export { PIPELINES_ENV };

const SPEC_FILE = /\.(ts|mts|js|mjs|json)$/;

/** A spec read from a file, validated, and where it came from. */
export interface PipelineFile {
  path: string;
  input: PipelineSpecInput;
  spec: PipelineSpec;
}

/** Whether a `ctrain run` argument names a file rather than a pipeline: a path, or a name ending in a spec file's extension. */
export function isPipelineFile(argument: string): boolean {
  return argument.includes('/') || SPEC_FILE.test(argument);
}

/**
 * Reads a pipeline file: JSON, or a module whose default export (or `pipeline` export) is the
 * spec. Throws PipelineSpecError naming every problem with its field path, the file named.
 */
export async function loadPipelineFile(path: string): Promise<PipelineFile> {
  const absolute = resolve(path);
  if (!SPEC_FILE.test(absolute)) throw new PipelineSpecError(undefined, [{ path: '', message: `${path}: a pipeline file ends in .ts, .mts, .js, .mjs or .json` }]);
  let input: unknown;
  try {
    if (extname(absolute) === '.json') input = JSON.parse(await readFile(absolute, 'utf8')) as unknown;
    else {
      // tsx loads TypeScript, and JavaScript written as ES modules, wherever the file lies (no package.json beside it needed).
      const { tsImport } = await import('tsx/esm/api');
      const module = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as { default?: unknown; pipeline?: unknown };
      input = module.default ?? module.pipeline;
      // A TypeScript file with no package.json beside it loads as CommonJS: its exports sit one level down.
      const wrapped = input as { default?: unknown; pipeline?: unknown; name?: unknown } | undefined;
      if (wrapped && typeof wrapped === 'object' && wrapped.name === undefined) input = wrapped.default ?? wrapped.pipeline ?? input;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' || code === 'ERR_MODULE_NOT_FOUND' ? 'no such file' : (error as Error).message.split('\n')[0];
    throw new PipelineSpecError(undefined, [{ path: '', message: `${path}: could not be read: ${why}` }]);
  }
  if (input === undefined || input === null || typeof input !== 'object') {
    throw new PipelineSpecError(undefined, [{ path: '', message: `${path}: exports no spec (export default { name, source, label, … })` }]);
  }
  try {
    return { path: absolute, input: input as PipelineSpecInput, spec: parsePipelineSpec(input) };
  } catch (error) {
    if (error instanceof PipelineSpecError) throw new PipelineSpecError(error.pipeline ?? path, error.problems);
    throw error;
  }
}

/** Every pipeline file in a folder (CTRAIN_PIPELINES by default), each validated; a file that fails is listed with its error, not fatal to the others. */
export async function loadPipelineFolder(folder: string | undefined = process.env[PIPELINES_ENV]): Promise<{ files: PipelineFile[]; failures: { path: string; error: PipelineSpecError }[] }> {
  if (!folder) return { files: [], failures: [] };
  const names = (await readdir(folder).catch(() => {
    throw new PipelineSpecError(undefined, [{ path: '', message: `${PIPELINES_ENV}=${folder}: no such folder` }]);
  })).filter((name) => SPEC_FILE.test(name) && !name.endsWith('.d.ts'));
  const files: PipelineFile[] = [];
  const failures: { path: string; error: PipelineSpecError }[] = [];
  const seen = new Map<string, string>();
  for (const name of names.sort()) {
    const path = join(folder, name);
    try {
      const file = await loadPipelineFile(path);
      const earlier = seen.get(file.spec.name);
      if (earlier) throw new PipelineSpecError(file.spec.name, [{ path: 'name', message: `${file.path} and ${earlier} both define "${file.spec.name}"` }]);
      if (findPipeline(file.spec.name)) throw new PipelineSpecError(file.spec.name, [{ path: 'name', message: `${file.path}: "${file.spec.name}" is a pipeline ctrain ships; give yours another name` }]);
      seen.set(file.spec.name, file.path);
      files.push(file);
    } catch (error) {
      if (!(error instanceof PipelineSpecError)) throw error;
      failures.push({ path, error });
    }
  }
  return { files, failures };
}

/** Stores the spec where workers resolve it by name; a shipped pipeline's name is refused. */
export async function storePipelineSpec(storage: ObjectStore, file: PipelineFile): Promise<void> {
  if (findPipeline(file.spec.name)) {
    throw new PipelineSpecError(file.spec.name, [{ path: 'name', message: `"${file.spec.name}" is a pipeline ctrain ships; give yours another name` }]);
  }
  await storage.putJson(pipelineKeys.spec(file.spec.name), file.input);
}

/** The stored spec of a pipeline ctrain does not ship, as written (overrides are applied on top). */
export async function readStoredPipelineSpec(storage: ObjectStore, name: string): Promise<PipelineSpecInput | undefined> {
  return storage.getJson<PipelineSpecInput>(pipelineKeys.spec(name));
}

/** Names of the pipelines with a stored spec, sorted. */
export async function storedPipelineNames(storage: ObjectStore): Promise<string[]> {
  const keys = await storage.listKeys(pipelineKeys.all);
  return keys.map((key) => pipelineKeys.specOf(key)).filter((name): name is string => name !== undefined).sort();
}
