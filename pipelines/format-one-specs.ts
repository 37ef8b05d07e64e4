/** The specs this code ships, for versions an earlier ctrain registered without theirs (registry format 1). */
import type { FormatOneSpecs } from '../contracts/version-spec.js';
import { loadPipeline, pipelineNames, specHash } from './index.js';

export const shippedSpecs: FormatOneSpecs = (version) => {
  if (!pipelineNames().includes(version.pipeline)) return undefined;
  const spec = loadPipeline(version.pipeline);
  return { spec, source: 'code', sameAsTrained: specHash(spec) === version.specHash };
};
