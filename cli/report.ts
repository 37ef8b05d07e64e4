import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configFromEnv } from '../infra/config.js';
import { openInBrowser } from './open.js';
import { output } from './connect.js';
import { uriOf } from '../contracts/pipeline-run.js';

interface ReportOptions {
  drift?: boolean;
  output?: string;
  open?: boolean;
  json?: boolean;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("fetch a run's report (data, training curves, evaluation, candidate vs production) or a model's, as one HTML file")
    .argument('<run-or-model>', "a run id, or a model name: the report of its production version's run (else its latest run)")
    .option('--drift', "the model's latest drift report instead")
    .option('-o, --output <file>', 'where to save it (default: ./<run id>.report.html)')
    .option('--open', 'open it in the default browser')
    .option('--json', 'print JSON: {kind, name, uri, file}')
    .action(async (target: string, options: ReportOptions) => {
      const [{ ReportNotFoundError, locateReport }, { ObjectStore, isMissingObject }] = await Promise.all([import('../ui/locate.js'), import('../storage/gateway.js')]);
      const storage = new ObjectStore(configFromEnv().minio);
      const located = await locateReport(storage, target, { drift: options.drift });
      let body: Buffer;
      try {
        body = await storage.getBuffer(located.ref);
      } catch (error) {
        if (!isMissingObject(error)) throw error;
        throw new ReportNotFoundError(`no report at ${uriOf(located.ref)}: ${JSON.stringify(target)} is no model in the registry, nor a run with a report`);
      }
      const file = resolve(options.output ?? `${located.name}.${located.kind === 'drift' ? 'drift' : 'report'}.html`);
      await writeFile(file, body);
      output(options.json ?? false, { kind: located.kind, name: located.name, uri: uriOf(located.ref), file }, () => [`ctrain: ${located.kind === 'drift' ? 'drift report' : 'report of run'} ${located.name} (${uriOf(located.ref)}) saved to ${file}`]);
      if (options.open) openInBrowser(file);
    });
}
