import type { Command } from 'commander';

export function registerPrepareTemporalCommand(program: Command): void {
  program
    .command('prepare-temporal')
    .description('on a Temporal server ctrain did not start (CTRAIN_TEMPORAL_ADDRESS, e.g. the compose file’s): create the namespace and add ctrain’s search attributes; changes nothing that is there')
    .action(async () => {
      const [{ configFromEnv }, { temporalOptionsFromEnv }, { prepareNamespace }] = await Promise.all([
        import('../infra/config.js'),
        import('../infra/temporal-connection.js'),
        import('../stack/temporal-namespace.js'),
      ]);
      const { temporal } = configFromEnv();
      const { created, added } = await prepareNamespace(await temporalOptionsFromEnv(process.env, temporal), temporal.namespace);
      console.log(`ctrain: namespace ${temporal.namespace} at ${temporal.address} ${created ? 'created' : 'already there'}; search attributes ${added.length ? `added: ${added.join(', ')}` : 'already there'}`);
    });
}
