import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The shared libraries WebGPU needs under Dawn on Linux beyond the GPU driver itself, found the
 * way the dynamic loader finds them (LD_LIBRARY_PATH, the usual folders, /etc/ld.so.cache), so a
 * failure can name the one missing and the Debian package that brings it.
 */

/**
 * What NVIDIA's Vulkan driver (its ICD, libGLX_nvidia.so.0) loads when Vulkan starts, with the
 * Debian package of each. Without them the loader logs "Could not get 'vkCreateInstance' via
 * 'vk_icdGetInstanceProcAddr' for ICD libGLX_nvidia.so.0" and finds no driver: seen on an H200
 * machine, where unpacking these packages made WebGPU work.
 */
export const NVIDIA_ICD_LIBRARIES = [
  { library: 'libGLdispatch.so.0', debianPackage: 'libglvnd0' },
  { library: 'libGLX.so.0', debianPackage: 'libglx0' },
  { library: 'libEGL.so.1', debianPackage: 'libegl1' },
  { library: 'libGL.so.1', debianPackage: 'libgl1' },
  { library: 'libOpenGL.so.0', debianPackage: 'libopengl0' },
  { library: 'libGLESv2.so.2', debianPackage: 'libgles2' },
] as const;

/** Where the loader looks for Vulkan drivers' manifests (ICDs), NVIDIA's container mount last. */
const ICD_FOLDERS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/local/nvidia/share/vulkan/icd.d'];

const SYSTEM_LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

/** Where to look; the defaults are this machine's. Tests pass their own. */
export interface LibrarySearch {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  systemDirs?: readonly string[];
  /** The dynamic loader's cache, whose text names every library it knows. */
  loaderCache?: () => string;
  icdFolders?: readonly string[];
}

/** Why WebGPU cannot start for want of the Vulkan loader itself, or undefined when it is there (or this is not Linux). */
export function vulkanLoaderMissing(search: LibrarySearch = {}): string | undefined {
  if ((search.platform ?? process.platform) !== 'linux') return undefined;
  if (libraryFound('libvulkan.so.1', search)) return undefined;
  return 'Vulkan loader libvulkan.so.1 not found (install the Debian package libvulkan1 and a GPU driver with Vulkan)';
}

/**
 * When NVIDIA's Vulkan driver is installed but the libraries it loads at start are not: which
 * are missing and which Debian packages bring them. Undefined when there is no NVIDIA ICD, or
 * nothing is missing.
 */
export function nvidiaIcdLibrariesMissing(search: LibrarySearch = {}): string | undefined {
  if ((search.platform ?? process.platform) !== 'linux') return undefined;
  const icd = icdManifests(search).find((manifest) => /nvidia/i.test(manifest.library));
  if (!icd) return undefined;
  const missing = NVIDIA_ICD_LIBRARIES.filter(({ library }) => !libraryFound(library, search));
  if (missing.length === 0) return undefined;
  const listed = missing.map(({ library, debianPackage }) => `${library} (Debian package ${debianPackage})`).join(', ');
  return `NVIDIA's Vulkan driver (${icd.file}) is installed but cannot start without ${listed}`;
}

/** Whether the dynamic loader would find `library`: on LD_LIBRARY_PATH, in the system folders, or in its cache. */
export function libraryFound(library: string, search: LibrarySearch): boolean {
  const env = search.env ?? process.env;
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...(search.systemDirs ?? SYSTEM_LIBRARY_DIRS)];
  if (dirs.some((dir) => existsSync(join(dir, library)))) return true;
  return (search.loaderCache ?? systemLoaderCache)().includes(library);
}

function systemLoaderCache(): string {
  try {
    return readFileSync('/etc/ld.so.cache', 'latin1');
  } catch {
    return '';
  }
}

/** The driver manifests the loader would read: those VK_DRIVER_FILES (or VK_ICD_FILENAMES) names, else every one in the usual folders. */
function icdManifests(search: LibrarySearch): { file: string; library: string }[] {
  const env = search.env ?? process.env;
  const named = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? '').split(':').filter(Boolean);
  const files = named.length > 0 ? named : (search.icdFolders ?? ICD_FOLDERS).flatMap(jsonFilesIn);
  return files.flatMap((file) => {
    try {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: unknown } };
      const library = manifest.ICD?.library_path;
      return typeof library === 'string' ? [{ file, library }] : [];
    } catch {
      return [];
    }
  });
}

function jsonFilesIn(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .map((name) => join(folder, name));
  } catch {
    return [];
  }
}
