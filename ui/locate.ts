import { nameProblem } from '../contracts/names.js';
import type { ObjectRef } from '../contracts/pipeline-run.js';
import { createCatalog } from './catalog.js';
import { runKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/gateway.js';

/** A report `ctrain report` found: which run (or drift check) it belongs to, and where it is. */
export interface LocatedReport {
  kind: 'run' | 'drift';
  /** The run id, or the drift check's name. */
  name: string;
  ref: ObjectRef;
}

/** Something to report on that has no report: says what was looked for and what to do. */
export class ReportNotFoundError extends Error {
  override name = 'ReportNotFoundError';
}

/**
 * The report a person means by `target`: a run id is that run's report; a model name is the
 * report of the run that trained its production version (else its latest run with a report),
 * or with `drift` its latest drift check's page.
 */
export async function locateReport(storage: ObjectStore, target: string, { drift = false }: { drift?: boolean } = {}): Promise<LocatedReport> {
  const catalog = createCatalog(storage);
  const registry = nameProblem(target) === undefined ? await catalog.registry(target) : undefined;
  if (drift) {
    if (!registry) throw new ReportNotFoundError(`--drift takes a model name; no model ${JSON.stringify(target)} in the registry`);
    const latest = (await catalog.driftReports(target)).find((entry) => entry.html);
    if (!latest?.html) throw new ReportNotFoundError(`${target} has no drift report page yet; run one with npx ctrain drift check ${target}`);
    return { kind: 'drift', name: latest.name, ref: latest.html };
  }
  if (!registry) return { kind: 'run', name: target, ref: runKeys.report(target) };

  const production = registry.versions.find((version) => version.version === registry.aliases.production);
  const newestFirst = [...new Set([production?.runId, ...registry.runs.map((run) => run.runId).reverse()].filter((runId): runId is string => runId !== undefined))];
  const withReports = await catalog.runsWithReports(newestFirst);
  const runId = newestFirst.find((candidate) => withReports.has(candidate));
  if (!runId) throw new ReportNotFoundError(`no run of ${target} has a report yet; train one with npx ctrain run ${target} --wait`);
  return { kind: 'run', name: runId, ref: runKeys.report(runId) };
}
