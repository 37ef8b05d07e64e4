/**
 * The settings a registered version is served, scored and checked with come from the version
 * itself, not from whatever spec of that name the running code ships: a server or worker on other
 * code must not hash, route or judge a model otherwise than it was trained.
 */
import type { ModelVersion } from '../contracts/model.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { loadPipeline, specHash, UnknownPipelineError } from './index.js';

/** Where a version's spec came from: stored on it, or (registry format 1) today's code. */
export interface VersionSpec {
  spec: PipelineSpec;
  /** 'registry': the spec it was trained with. 'code': a version registered before specs were stored, read with the spec of its name in this code. */
  source: 'registry' | 'code';
  /** For 'code': whether that spec hashes as the one it was trained with (a run with overrides, or an edited spec, does not). */
  sameAsTrained?: boolean;
}

/** A version whose spec is neither stored on it nor shipped with this code. */
export class VersionSpecError extends Error {
  override name = 'VersionSpecError';
}

export function specOfVersion(version: ModelVersion): VersionSpec {
  if (version.spec) return { spec: version.spec, source: 'registry' };
  try {
    const spec = loadPipeline(version.pipeline);
    return { spec, source: 'code', sameAsTrained: specHash(spec) === version.specHash };
  } catch (error) {
    if (!(error instanceof UnknownPipelineError)) throw error;
    throw new VersionSpecError(`${version.pipeline} v${version.version} was registered without its spec (registry format 1) and this code ships no pipeline "${version.pipeline}": retrain it to register a version that carries its spec`);
  }
}
