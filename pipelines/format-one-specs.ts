/** The specs this code ships, for versions an earlier ctrain registered without theirs (registry format 1). */
import { renamedField } from '../contracts/format-renames.js';
import type { FormatOneSpecs } from '../contracts/version-spec.js';
import { loadPipeline, pipelineNames, specHash } from './index.js';

export const shippedSpecs: FormatOneSpecs = (version) => {
  if (!pipelineNames().includes(version.pipeline)) return undefined;
  const spec = loadPipeline(version.pipeline);
  // Format 1 hashed the spec with its network section under its old name, `model`.
  const hashedThen = specHash(renamedField(spec, 'network', 'model'));
  return { spec, source: 'code', sameAsTrained: hashedThen === version.specHash };
};
