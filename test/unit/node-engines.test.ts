/**
 * The Node version the README states is enough: every package the lockfile installs (optional
 * ones aside, which npm skips when they do not fit) accepts the oldest Node that package.json's
 * `engines` allows, so set-up prints no EBADENGINE warning on it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../stack/paths.js';

interface LockedPackage {
  engines?: { node?: string } | string[];
  optional?: boolean;
}

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

describe('the supported Node version', () => {
  const oldest = semver.minVersion(manifest.engines.node)!;

  it('is the one the README names', () => {
    expect(readme).toContain(`Node ${oldest.major}`);
  });

  it('is accepted by every locked package', () => {
    const refusing = Object.entries(lock.packages).flatMap(([path, locked]) => {
      const wanted = Array.isArray(locked.engines) ? undefined : locked.engines?.node;
      return wanted && !locked.optional && !semver.satisfies(oldest, wanted) ? [`${path} wants node ${wanted}`] : [];
    });
    expect(refusing).toEqual([]);
  });
});
