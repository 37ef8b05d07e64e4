import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { SourcePolicy } from '../../activities/source-policy.js';
import { checkSourceAllowed, sourcePolicyFromEnv } from '../../activities/source-policy.js';
import { parseSourceUri } from '../../contracts/source-uri.js';

const base = mkdtempSync(join(tmpdir(), 'ctrain-source-policy-'));
const root = join(base, 'data');
const outside = join(base, 'secrets');
mkdirSync(root);
mkdirSync(outside);
writeFileSync(join(root, 'rows.csv'), 'a\n1\n');
writeFileSync(join(outside, 'key.pem'), 'secret\n');
symlinkSync(join(outside, 'key.pem'), join(root, 'linked.csv'));
const policy: SourcePolicy = { dataRoots: [root], uriPrefixes: ['s3://ctrain-datasets/', 'https://data.example.com/'] };

const verdict = async (uri: string): Promise<string> => {
  try {
    await checkSourceAllowed(policy, uri, parseSourceUri(uri));
    return 'allowed';
  } catch (error) {
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).type).toBe('SourceNotAllowed');
    return (error as Error).message;
  }
};

describe('which sources a worker may read', () => {
  it('allows files under a data root, installed packages, and URIs under an allowed prefix', async () => {
    for (const uri of [join(root, 'rows.csv'), `file://${join(root, 'rows.csv')}`, join(root, 'not-yet.csv'), 'package://vega-datasets/data/cars.json', 's3://ctrain-datasets/live/x.csv', 'https://data.example.com/2026/rows.csv']) {
      expect(await verdict(uri)).toBe('allowed');
    }
  });

  it('refuses a file outside the roots, by path, by .. or by a link, the same whether it exists or not', async () => {
    const message = await verdict(join(outside, 'key.pem'));
    expect(message).toBe(`Source ${JSON.stringify(join(outside, 'key.pem'))} is not allowed: it lies outside the data roots (${root}; CTRAIN_DATA_ROOTS). An operator allows more sources with that setting on the workers.`);
    expect(message).not.toContain('secret\n');
    expect(await verdict(join(root, '..', 'secrets', 'key.pem'))).toMatch(/lies outside the data roots/);
    expect(await verdict(join(root, 'linked.csv'))).toMatch(/lies outside the data roots/);
    expect(await verdict(join(outside, 'no-such-file'))).toMatch(/lies outside the data roots/);
    expect(await verdict('/etc/passwd')).toMatch(/lies outside the data roots/);
    expect(await verdict(`${root}-sibling/rows.csv`)).toMatch(/lies outside the data roots/);
  });

  it('refuses URIs under no allowed prefix: another bucket, another host, a look-alike host', async () => {
    expect(await verdict('s3://ctrain-artifacts/registry/x.json')).toMatch(/starts with none of the allowed prefixes \(s3:\/\/ctrain-datasets\/, https:\/\/data\.example\.com\/; CTRAIN_SOURCE_PREFIXES\)/);
    expect(await verdict('http://169.254.169.254/latest/meta-data')).toMatch(/starts with none of the allowed prefixes/);
    expect(await verdict('https://data.example.com.evil.test/rows.csv')).toMatch(/starts with none of the allowed prefixes/);
  });

  it('reads the policy from the environment, defaulting to the working directory and the datasets bucket', () => {
    expect(sourcePolicyFromEnv({})).toEqual({ dataRoots: [process.cwd()], uriPrefixes: ['s3://ctrain-datasets/'] });
    expect(sourcePolicyFromEnv({ CTRAIN_DATA_ROOTS: [root, outside].join(delimiter), CTRAIN_SOURCE_PREFIXES: ' s3://a/ , https://b/ ' })).toEqual({ dataRoots: [root, outside], uriPrefixes: ['s3://a/', 'https://b/'] });
  });
});
