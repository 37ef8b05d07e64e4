import type { Client } from 'minio';
import type { Registry } from '../contracts/model.js';
import { registryRef } from '../contracts/model.js';
import { nameProblem } from '../contracts/names.js';
import type { ObjectRef } from '../contracts/pipeline-run.js';
import { BUCKETS } from '../contracts/stack.js';
import { artifactKeys, getJson, statArtifact } from '../infra/artifacts.js';

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
export function createCatalog(storage: Client) {
  return {
    /** Every model with a registry in MinIO, by name. */
    async models(): Promise<string[]> {
      const names: string[] = [];
      for await (const item of storage.listObjectsV2(BUCKETS.registry, '', true) as AsyncIterable<{ name?: string }>) {
        const [model, file] = (item.name ?? '').split('/');
        if (file === 'registry.json' && nameProblem(model) === undefined) names.push(model!);
      }
      return names.sort();
    },

    registry: (model: string): Promise<Registry | undefined> => getJson<Registry>(storage, registryRef(model)),

    /** The runs of `runIds` whose report has been written. */
    async runsWithReports(runIds: readonly string[]): Promise<Set<string>> {
      const found = await Promise.all(runIds.map(async (runId) => ((await statArtifact(storage, artifactKeys.runReport(runId))) ? runId : undefined)));
      return new Set(found.filter((runId): runId is string => runId !== undefined));
    },

    /** A model's drift reports, newest first. */
    async driftReports(model: string): Promise<DriftReportEntry[]> {
      const prefix = `drift/${model}/reports/`;
      const byName = new Map<string, DriftReportEntry>();
      for await (const item of storage.listObjectsV2(BUCKETS.artifacts, prefix, true) as AsyncIterable<{ name?: string }>) {
        const match = /^(.+)\.(json|html)$/.exec((item.name ?? '').slice(prefix.length));
        if (!match) continue;
        const [, name, extension] = match as unknown as [string, string, 'json' | 'html'];
        const entry = byName.get(name) ?? { name, json: { bucket: BUCKETS.artifacts, key: `${prefix}${name}.json` } };
        if (extension === 'html') entry.html = { bucket: BUCKETS.artifacts, key: item.name! };
        byName.set(name, entry);
      }
      return [...byName.values()].sort((a, b) => (a.name < b.name ? 1 : -1));
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
