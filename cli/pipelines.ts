import type { Command } from 'commander';
import { PIPELINES_ENV } from '../contracts/settings.js';
import { configFromEnv } from '../infra/config.js';
import { output } from './connect.js';

interface ListedPipeline {
  name: string;
  /** 'shipped', the file in CTRAIN_PIPELINES, or 'stored' (run from a file before; its spec is in MinIO). */
  from: string;
  description?: string;
}

export function registerPipelineCommands(program: Command): void {
  const pipelines = program.command('pipelines').description('the pipelines ctrain can run: shipped, in CTRAIN_PIPELINES, and run from files before');
  pipelines
    .command('ls')
    .description(`every pipeline: shipped, in ${PIPELINES_ENV}, and those whose spec a run from a file stored in MinIO`)
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const [{ findPipeline, pipelineNames }, { loadPipelineFolder, storedPipelineNames }, { ObjectStore }] = await Promise.all([
        import('../pipelines/index.js'),
        import('../pipelines/user-pipelines.js'),
        import('../storage/gateway.js'),
      ]);
      const listed: ListedPipeline[] = pipelineNames().map((name) => ({ name, from: 'shipped', description: findPipeline(name)?.description }));
      const folder = await loadPipelineFolder();
      for (const file of folder.files) listed.push({ name: file.spec.name, from: file.path, description: file.spec.description });
      // Without the stack up, the shipped and folder pipelines are still listed, and the gap said.
      const stored = await storedPipelineNames(new ObjectStore(configFromEnv().minio)).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      if (Array.isArray(stored)) for (const name of stored) if (!listed.some((entry) => entry.name === name)) listed.push({ name, from: 'stored (run from a file; spec in MinIO)' });
      output(options.json ?? false, listed, () => [
        ...listed.map((entry) => `${entry.name.padEnd(24)} ${entry.from}${entry.description ? `  ${entry.description}` : ''}`),
        ...folder.failures.map(({ path, error }) => `(${path} is not a valid pipeline: ${error.problems.map((p) => `${p.path || '(spec)'}: ${p.message}`).join('; ')})`),
        ...(Array.isArray(stored) ? [] : [`(pipelines stored in MinIO not listed: ${stored.message.split('\n')[0]})`]),
      ]);
    });
  pipelines
    .command('check')
    .description('validate a pipeline file: every problem with its field path, or what it defines')
    .argument('<file>', 'a .ts, .js or .json file whose default export is a spec')
    .option('--json', 'print JSON')
    .action(async (path: string, options: { json?: boolean }) => {
      const [{ PipelineSpecError }, { loadPipelineFile }] = await Promise.all([import('../pipelines/index.js'), import('../pipelines/user-pipelines.js')]);
      try {
        const { spec } = await loadPipelineFile(path);
        const features = [...spec.features.numeric, ...spec.features.categorical, ...(spec.features.timeParts?.parts.map((part) => `${spec.features.timeParts!.column}.${part}`) ?? [])];
        output(options.json ?? false, { ok: true, spec }, () => [
          `${path}: ok: pipeline "${spec.name}", ${spec.label.kind} label ${spec.label.column}, ${features.length} features (${features.join(', ')}), source ${spec.source.uri}`,
        ]);
      } catch (error) {
        if (!(error instanceof PipelineSpecError)) throw error;
        output(options.json ?? false, { ok: false, problems: error.problems }, () => [`${path}: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}`, ...error.problems.map((p) => `  ${p.path || '(spec)'}: ${p.message}`)]);
        process.exitCode = 1;
      }
    });
}
