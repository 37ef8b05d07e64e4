/**
 * The settings a registered version is served, scored and checked with come from the version
 * itself, not from whatever spec of that name the running code ships: a server or worker on other
 * code must not hash, route or judge a model otherwise than it was trained. Pure: the model
 * server resolves a version without any pipeline spec in its code.
 */
import type { ModelVersion } from './model.js';
import type { PipelineSpec } from './pipeline-spec.js';

/** Where a version's spec came from: stored on it, or (registry format 1) the code's spec of its pipeline. */
export interface VersionSpec {
  spec: PipelineSpec;
  /** 'registry': the spec it was trained with. 'code': a version registered before specs were stored, read with the spec of its name in the code. */
  source: 'registry' | 'code';
  /** For 'code': whether that spec hashes as the one it was trained with (a run with overrides, or an edited spec, does not). */
  sameAsTrained?: boolean;
}

/** For a version registered without its spec (format 1): the spec the running code ships under its pipeline's name, if any. */
export type FormatOneSpecs = (version: ModelVersion) => VersionSpec | undefined;

/** A version whose spec is neither stored on it nor known to this process. */
export class VersionSpecError extends Error {
  override name = 'VersionSpecError';
}

export function specOfVersion(version: ModelVersion, formatOne?: FormatOneSpecs): VersionSpec {
  if (version.spec) return { spec: version.spec, source: 'registry' };
  const fromCode = formatOne?.(version);
  if (fromCode) return fromCode;
  throw new VersionSpecError(`${version.pipeline} v${version.version} was registered without its spec (registry format 1) and this process knows no pipeline "${version.pipeline}": retrain it to register a version that carries its spec`);
}
