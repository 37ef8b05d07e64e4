/**
 * Last step of `bench/gpu.sh prepare`: copies the package files the bundle needs beside it,
 * checks that every file is there and linux-x64 only, writes MANIFEST.json, prints the size of
 * each part and fails when the payload and the working tree that travels with it exceed 64 MiB.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { PayloadPart } from './payload.js';
import { mib, NODE_VERSION, PAYLOAD_DIR, payloadEntries, payloadProblems, TRAVEL_LIMIT_BYTES, WEBGPU_SHIM } from './payload.js';

const root = process.cwd();
const payload = join(root, PAYLOAD_DIR);
const entries = payloadEntries();
/** CTRAIN_GPU_LIMIT_MIB lowers the limit, to try the failure without a larger payload. */
const askedMiB = Number(process.env.CTRAIN_GPU_LIMIT_MIB);
const limit = askedMiB > 0 ? Math.min(TRAVEL_LIMIT_BYTES, askedMiB * 1024 * 1024) : TRAVEL_LIMIT_BYTES;

for (const entry of entries) {
  if (!entry.from) continue;
  const target = join(payload, entry.to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(root, entry.from), target);
}

await writeWebGpuShim();

const missing = entries.filter((entry) => entry.to !== 'MANIFEST.json' && !existsSync(join(payload, entry.to)));
if (missing.length > 0) fail(`missing from the payload: ${missing.map((entry) => entry.to).join(', ')}`);

const present = walk(payload).map((file) => relative(payload, file));
const unlisted = present.filter((path) => !entries.some((entry) => entry.to === path));
if (unlisted.length > 0) fail(`files in the payload that bench/gpu/payload.ts does not list: ${unlisted.join(', ')}`);
const problems = payloadProblems(present);
if (problems.length > 0) fail(problems.join('; '));

const files = entries
  .filter((entry) => entry.to !== 'MANIFEST.json')
  .map((entry) => {
    const bytes = readFileSync(join(payload, entry.to));
    return { path: entry.to, part: entry.part, platform: entry.platform, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
const manifest = { node: NODE_VERSION, platform: 'linux-x64', createdAt: new Date().toISOString(), files };
writeFileSync(join(payload, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);

const byPart = new Map<PayloadPart, number>();
for (const entry of entries) byPart.set(entry.part, (byPart.get(entry.part) ?? 0) + statSync(join(payload, entry.to)).size);
const payloadBytes = [...byPart.values()].reduce((a, b) => a + b, 0);
const treeBytes = workingTreeBytes();
const label: Record<PayloadPart, string> = {
  node: `Node ${NODE_VERSION} linux-x64 (xz)`,
  bundle: 'runner bundle (esbuild)',
  dawn: 'webgpu JS + linux-x64 dawn.node',
  wasm: 'tfjs-backend-wasm .wasm files',
  vulkan: 'Vulkan loader + libglvnd .deb files',
  meta: 'MANIFEST.json',
};
console.log('gpu payload size:');
for (const [part, bytes] of byPart) console.log(`  ${label[part].padEnd(36)} ${mib(bytes).padStart(7)} MiB`);
console.log(`  ${'payload total'.padEnd(36)} ${mib(payloadBytes).padStart(7)} MiB`);
console.log(`  ${'rest of the working tree'.padEnd(36)} ${mib(treeBytes).padStart(7)} MiB`);
console.log(`  ${'travels in all'.padEnd(36)} ${mib(payloadBytes + treeBytes).padStart(7)} MiB of ${mib(limit)} MiB allowed`);
if (payloadBytes + treeBytes > limit) {
  // Without its manifest the payload is refused by `run`.
  rmSync(join(payload, 'MANIFEST.json'), { force: true });
  fail(`the payload (${mib(payloadBytes)} MiB) and the working tree (${mib(treeBytes)} MiB) exceed the ${mib(limit)} MiB that may travel to the GPU machine`);
}

/**
 * The runner bundles @tensorflow/tfjs-backend-webgpu and registers a loader for it on
 * globalThis; this module, where Node resolves the package from the bundle, re-exports what
 * that loader returns, so the runtime import in model/webgpu.ts gets the bundled copy.
 */
async function writeWebGpuShim(): Promise<void> {
  const pkg = '@tensorflow/tfjs-backend-webgpu';
  const names = Object.keys((await import(pkg)) as Record<string, unknown>).filter((name) => name !== 'default');
  if (!names.includes('WebGPUBackend')) fail(`${pkg} exports no WebGPUBackend here: ${names.join(', ')}`);
  const dir = join(payload, WEBGPU_SHIM);
  mkdirSync(dir, { recursive: true });
  const { version } = JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: pkg, version, type: 'module', main: 'index.js', private: true }, null, 2)}\n`);
  writeFileSync(
    join(dir, 'index.js'),
    [
      `// Written by bench/gpu.sh prepare: runner.mjs holds ${pkg} ${version}, on its own tfjs-core;`,
      '// this hands a runtime import of the package that bundled copy.',
      `const load = globalThis.__ctrainBundledImports?.[${JSON.stringify(pkg)}];`,
      `if (!load) throw new Error(${JSON.stringify(`${pkg}: this copy only works inside bench/gpu's runner.mjs`)});`,
      'const bundled = await load();',
      'export default bundled.default;',
      `export const { ${names.join(', ')} } = bundled;`,
      '',
    ].join('\n'),
  );
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((item) => (item.isDirectory() ? walk(join(dir, item.name)) : [join(dir, item.name)]));
}

/** Tracked and untracked-but-not-ignored files: what travels beside the (ignored, carried) payload. */
function workingTreeBytes(): number {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return listed
    .split('\0')
    .filter(Boolean)
    .reduce((sum, path) => {
      try {
        return sum + statSync(join(root, path)).size;
      } catch {
        return sum; // deleted but still tracked
      }
    }, 0);
}

function fail(message: string): never {
  console.error(`gpu.sh prepare: ${message}`);
  process.exit(1);
}
