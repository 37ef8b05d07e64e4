import { access, constants } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { provision, ProvisionError, provisionTool, requireCommand } from '../../stack/provision.js';
import { cacheDir } from '../../stack/paths.js';

describe('provisioning', () => {
  it('reuses the cached tools without installing anything again', async () => {
    const lines: string[] = [];
    const tools = await provision((line) => lines.push(line));
    expect(lines.filter((line) => line.includes('installing'))).toEqual([]);
    for (const binary of [tools.temporal, tools.minio, tools.dvc]) {
      expect(binary.startsWith(cacheDir())).toBe(true);
      await expect(access(binary, constants.X_OK)).resolves.toBeUndefined();
    }
  });

  it('names the missing piece when a required command is absent', async () => {
    const missing = requireCommand('ctrain-no-such-tool', 'Go is needed to build the MinIO server.');
    await expect(missing).rejects.toThrow(ProvisionError);
    await expect(requireCommand('ctrain-no-such-tool', 'Go is needed to build the MinIO server.')).rejects.toThrow(
      'Go is needed to build the MinIO server. (`ctrain-no-such-tool` was not found on PATH)',
    );
  });

  it('keys the cache by CTRAIN_CACHE_DIR when set', () => {
    expect(cacheDir({ CTRAIN_CACHE_DIR: '/srv/ctrain-cache' })).toBe('/srv/ctrain-cache');
    expect(cacheDir({ XDG_CACHE_HOME: '/home/u/.xdg' })).toBe('/home/u/.xdg/ctrain');
  });
});

describe('tool overrides', () => {
  it('uses an installed binary named by its variable, and refuses one that is not executable', async () => {
    const saved = process.env.CTRAIN_DVC_BIN;
    try {
      process.env.CTRAIN_DVC_BIN = process.execPath;
      await expect(provisionTool('dvc')).resolves.toBe(process.execPath);
      process.env.CTRAIN_DVC_BIN = '/nonexistent/dvc';
      await expect(provisionTool('dvc')).rejects.toThrow('CTRAIN_DVC_BIN=/nonexistent/dvc is not an executable file.');
    } finally {
      if (saved === undefined) delete process.env.CTRAIN_DVC_BIN;
      else process.env.CTRAIN_DVC_BIN = saved;
    }
  });
});
