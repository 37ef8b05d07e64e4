import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PseudonymKeyError, pseudonymKey, pseudonymKeyFromEnv, pseudonymize, pseudonymizeRow } from '../../privacy/pseudonym.js';

const key = pseudonymKey('a-test-key-of-32-characters-0000');

describe('pseudonyms for personal data', () => {
  it('is HMAC-SHA256 of the value under the key: the same value always gives the same pseudonym, another key another', () => {
    expect(pseudonymize('alice@example.com', key)).toBe(createHmac('sha256', key).update('alice@example.com').digest('hex'));
    expect(pseudonymize('alice@example.com', key)).toBe(pseudonymize('alice@example.com', key));
    expect(pseudonymize('bob@example.com', key)).not.toBe(pseudonymize('alice@example.com', key));
    expect(pseudonymize('alice@example.com', pseudonymKey('another-key-of-32-characters-000'))).not.toBe(pseudonymize('alice@example.com', key));
    expect(pseudonymize('alice@example.com', key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps missing values missing and hashes numbers as their text', () => {
    expect(pseudonymize(null, key)).toBeNull();
    expect(pseudonymize(undefined, key)).toBeUndefined();
    expect(pseudonymize(42, key)).toBe(pseudonymize('42', key));
  });

  it('replaces only the named columns, in a copy, and leaves rows that are no objects alone', () => {
    const row = { customer: 'c-1001', carrier: 'AA', distance: 800, email: null };
    const hashed = pseudonymizeRow(row, ['customer', 'email', 'absent'], key);
    expect(hashed).toEqual({ customer: pseudonymize('c-1001', key), carrier: 'AA', distance: 800, email: null });
    expect(row.customer).toBe('c-1001');
    expect(Object.hasOwn(hashed, 'absent')).toBe(false);
    expect(pseudonymizeRow('not a row', ['customer'], key)).toBe('not a row');
  });

  it('takes the key from CTRAIN_PSEUDONYM_KEY or a file named by CTRAIN_PSEUDONYM_KEY_FILE, and refuses a short one', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ctrain-key-')), 'key');
    writeFileSync(file, 'a-test-key-of-32-characters-0000\n');
    expect(pseudonymKeyFromEnv({ CTRAIN_PSEUDONYM_KEY_FILE: file })).toEqual(key);
    expect(pseudonymKeyFromEnv({ CTRAIN_PSEUDONYM_KEY: 'a-test-key-of-32-characters-0000' })).toEqual(key);
    expect(pseudonymKeyFromEnv({})).toBeUndefined();
    expect(() => pseudonymKeyFromEnv({ CTRAIN_PSEUDONYM_KEY: 'short' })).toThrow(PseudonymKeyError);
    expect(() => pseudonymKeyFromEnv({ CTRAIN_PSEUDONYM_KEY: 'x'.repeat(16), CTRAIN_PSEUDONYM_KEY_FILE: file })).toThrow('set CTRAIN_PSEUDONYM_KEY or CTRAIN_PSEUDONYM_KEY_FILE, not both');
  });
});
