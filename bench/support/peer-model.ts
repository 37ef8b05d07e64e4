/**
 * A registered version as the FastAPI peer loads it: its network's dense layers as JSON and its
 * transform artifact, the very ones ctrain's server scores with, in local files.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRegistry } from '../../contracts/registry-format.js';
import { importNetwork } from '../../model/index.js';
import type { TestStack } from '../../harness/test-stack.js';
import { ObjectStore } from '../../storage/gateway.js';
import { registryKeys } from '../../storage/layout.js';
import { networkJson } from './network-json.js';

export async function writePeerModel(stack: TestStack, modelName: string, version: number, dir: string): Promise<{ network: string; transform: string }> {
  const storage = new ObjectStore(stack.minio);
  const registry = parseRegistry(await storage.getText(registryKeys.registry(modelName)), modelName);
  const entry = registry.versions.find((candidate) => candidate.version === version);
  if (!entry) throw new Error(`${modelName} has no version ${version} in its registry`);
  const layersModel = await importNetwork(await storage.getBuffer(entry.modelArtifact));
  const paths = { network: join(dir, 'network.json'), transform: join(dir, 'transform.json') };
  try {
    await writeFile(paths.network, JSON.stringify(networkJson(layersModel)));
  } finally {
    layersModel.dispose();
  }
  await writeFile(paths.transform, await storage.getText(entry.transform));
  return paths;
}
