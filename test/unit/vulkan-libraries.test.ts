import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_PACKAGES } from '../../bench/gpu/payload.js';
import { NVIDIA_ICD_LIBRARIES, nvidiaIcdLibrariesMissing, vulkanLoaderMissing } from '../../model/vulkan-libraries.js';

/** A machine of its own: an ICD folder, a library folder, nothing from the real system. */
function machine(icdLibrary: string | undefined, libraries: string[]): Parameters<typeof nvidiaIcdLibrariesMissing>[0] {
  const root = mkdtempSync(join(tmpdir(), 'ctrain-vulkan-'));
  if (icdLibrary) writeFileSync(join(root, 'driver_icd.json'), JSON.stringify({ file_format_version: '1.0.1', ICD: { library_path: icdLibrary, api_version: '1.3' } }));
  writeFileSync(join(root, 'broken.json'), '{ not json');
  for (const library of libraries) writeFileSync(join(root, library), '');
  return { env: { LD_LIBRARY_PATH: root }, platform: 'linux', systemDirs: [], loaderCache: () => '', icdFolders: [root] };
}

describe('the libraries WebGPU needs on Linux', () => {
  it("names each library NVIDIA's Vulkan driver loads at start that is missing, with its Debian package", () => {
    const search = machine('libGLX_nvidia.so.0', ['libGLdispatch.so.0', 'libEGL.so.1', 'libGL.so.1']);
    expect(nvidiaIcdLibrariesMissing(search)).toMatch(
      /^NVIDIA's Vulkan driver \(.*driver_icd\.json\) is installed but cannot start without libGLX\.so\.0 \(Debian package libglx0\), libOpenGL\.so\.0 \(Debian package libopengl0\), libGLESv2\.so\.2 \(Debian package libgles2\)$/,
    );
  });

  it('says nothing when every library is there, when the driver is not NVIDIA, or off Linux', () => {
    expect(nvidiaIcdLibrariesMissing(machine('libGLX_nvidia.so.0', NVIDIA_ICD_LIBRARIES.map(({ library }) => library)))).toBeUndefined();
    expect(nvidiaIcdLibrariesMissing(machine('libvulkan_radeon.so', []))).toBeUndefined();
    expect(nvidiaIcdLibrariesMissing(machine(undefined, []))).toBeUndefined();
    expect(nvidiaIcdLibrariesMissing({ ...machine('libGLX_nvidia.so.0', []), platform: 'darwin' })).toBeUndefined();
  });

  it('reads the driver manifests VK_DRIVER_FILES names instead of the folders', () => {
    const search = machine(undefined, []);
    const manifest = join(search!.env!.LD_LIBRARY_PATH!, 'named.json');
    writeFileSync(manifest, JSON.stringify({ ICD: { library_path: '/usr/lib/libGLX_nvidia.so.0' } }));
    expect(nvidiaIcdLibrariesMissing({ ...search, env: { ...search!.env, VK_DRIVER_FILES: manifest } })).toContain('libGLdispatch.so.0 (Debian package libglvnd0)');
  });

  it('finds the Vulkan loader on LD_LIBRARY_PATH or in the loader cache', () => {
    expect(vulkanLoaderMissing(machine(undefined, ['libvulkan.so.1']))).toBeUndefined();
    expect(vulkanLoaderMissing({ ...machine(undefined, []), loaderCache: () => 'libvulkan.so.1 (libc6,x86-64)' })).toBeUndefined();
    expect(vulkanLoaderMissing(machine(undefined, []))).toMatch(/libvulkan\.so\.1 not found .*libvulkan1/);
  });

  it("the GPU benchmark's payload carries the loader and every package NVIDIA's driver needs", () => {
    expect([...DEBIAN_PACKAGES].sort()).toEqual(['libvulkan1', ...NVIDIA_ICD_LIBRARIES.map(({ debianPackage }) => debianPackage)].sort());
  });
});
