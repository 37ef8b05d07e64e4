import type { Registry } from '../contracts/model.js';
import type { ObjectRef } from '../contracts/pipeline-run.js';
import { driftKeys, registryKeys, runKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/gateway.js';
import { loadRegistry } from '../infra/registry-store.js';

/** A drift check's pages in MinIO: its JSON report and, where written, the HTML page beside it. */
export interface DriftReportEntry {
  /** The report's name: its key's last part without the extension (the check's time). */
  name: string;
  json: ObjectRef;
  html?: ObjectRef;
}

/**
 * What `ctrain ui` lists, read from MinIO alone (no Temporal): the registries the model workflows
 * write through, the report beside each run, and the drift checks' reports.
 */
export function createCatalog(storage: ObjectStore) {
  return {
    /** Every model with a registry in MinIO, by name. */
    async models(): Promise<string[]> {
      const keys = await storage.listKeys(registryKeys.all);
      return keys.map(registryKeys.modelOf).filter((modelName): modelName is string => modelName !== undefined).sort();
    },

    registry: (modelName: string): Promise<Registry | undefined> => loadRegistry(storage, modelName),

    /** The runs of `runIds` whose report has been written. */
    async runsWithReports(runIds: readonly string[]): Promise<Set<string>> {
      const found = await Promise.all(runIds.map(async (runId) => ((await storage.stat(runKeys.report(runId))) ? runId : undefined)));
      return new Set(found.filter((runId): runId is string => runId !== undefined));
    },

    /** A model's drift reports, newest first. */
    async driftReports(modelName: string): Promise<DriftReportEntry[]> {
      const byName = new Map<string, DriftReportEntry>();
      for (const key of await storage.listKeys(driftKeys.reports(modelName))) {
        const found = driftKeys.parse(modelName, key);
        if (!found) continue;
        const refs = driftKeys.named(modelName, found.name);
        const entry = byName.get(found.name) ?? { name: found.name, json: refs.json };
        if (found.extension === 'html') entry.html = refs.html;
        byName.set(found.name, entry);
      }
      return [...byName.values()].sort((a, b) => (a.name < b.name ? 1 : -1));
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
