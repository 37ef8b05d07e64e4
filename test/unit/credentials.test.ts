import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authFromEnv } from '../../alerts/auth.js';
import { bearerMatches, bearerToken } from '../../http/bearer.js';
import { SecretConfigError, secretFromEnv, secretListFromEnv } from '../../infra/secrets.js';
import { modelServerOptionsFromEnv } from '../../serving/main.js';

const folder = mkdtempSync(join(tmpdir(), 'ctrain-secrets-'));
function secretFile(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

describe('secrets from the environment or from files', () => {
  it('reads token lists from NAME (comma-separated) and NAME_FILE (one per line, # comments), trimmed, without duplicates', () => {
    const file = secretFile('tokens', '# feedback senders\nfile-token-1\n  file-token-2  \n\nshared-token\n');
    expect(secretListFromEnv({ CTRAIN_FEEDBACK_TOKENS: 'env-token, shared-token', CTRAIN_FEEDBACK_TOKENS_FILE: file }, 'CTRAIN_FEEDBACK_TOKENS')).toEqual([
      'env-token',
      'shared-token',
      'file-token-1',
      'file-token-2',
    ]);
    expect(secretListFromEnv({}, 'CTRAIN_FEEDBACK_TOKENS')).toEqual([]);
  });

  it('reads one secret from NAME as is or from NAME_FILE less its newline, and refuses both at once', () => {
    const file = secretFile('hmac', 'file-secret\n');
    expect(secretFromEnv({ CTRAIN_ALERT_HMAC_SECRET_FILE: file }, 'CTRAIN_ALERT_HMAC_SECRET')).toBe('file-secret');
    expect(secretFromEnv({ CTRAIN_ALERT_HMAC_SECRET: 'inline' }, 'CTRAIN_ALERT_HMAC_SECRET')).toBe('inline');
    expect(secretFromEnv({ CTRAIN_ALERT_HMAC_SECRET: '' }, 'CTRAIN_ALERT_HMAC_SECRET')).toBeUndefined();
    expect(() => secretFromEnv({ CTRAIN_ALERT_HMAC_SECRET: 'inline', CTRAIN_ALERT_HMAC_SECRET_FILE: file }, 'CTRAIN_ALERT_HMAC_SECRET')).toThrow(SecretConfigError);
  });

  it('names the variable and the path of an unreadable file', () => {
    const missing = join(folder, 'absent');
    expect(() => secretListFromEnv({ CTRAIN_ALERT_TOKENS_FILE: missing }, 'CTRAIN_ALERT_TOKENS')).toThrow(`CTRAIN_ALERT_TOKENS_FILE names ${missing}, which cannot be read (ENOENT)`);
  });

  it('gives the alert receiver its tokens and secret from files', () => {
    const env = { CTRAIN_ALERT_TOKENS_FILE: secretFile('alert-tokens', 'alert-a\nalert-b\n'), CTRAIN_ALERT_HMAC_SECRET_FILE: secretFile('alert-hmac', 'alert-secret\n') };
    expect(authFromEnv(env)).toEqual({ bearerTokens: ['alert-a', 'alert-b'], hmacSecret: 'alert-secret' });
  });

  it('gives the model server its feedback tokens, whether feedback is open, rate limit and pseudonym key from the environment, with defaults', () => {
    const env = {
      CTRAIN_FEEDBACK_TOKENS_FILE: secretFile('feedback', 'fb-1\nfb-2\n'),
      CTRAIN_SERVE_RATE_LIMIT: '50',
      CTRAIN_SERVE_RATE_WINDOW: '10 seconds',
      CTRAIN_PSEUDONYM_KEY: 'k'.repeat(32),
    };
    expect(modelServerOptionsFromEnv(env)).toEqual({ feedbackTokens: ['fb-1', 'fb-2'], feedbackOpen: false, rateLimit: { max: 50, windowMs: 10_000 }, pseudonymKey: Buffer.from('k'.repeat(32)) });
    expect(modelServerOptionsFromEnv({})).toEqual({ feedbackTokens: [], feedbackOpen: false, rateLimit: { max: 60_000, windowMs: 60_000 }, pseudonymKey: undefined });
    // Open only when the operator says so in as many words.
    expect(['1', 'true', 'TRUE', '0', 'yes', ''].map((value) => modelServerOptionsFromEnv({ CTRAIN_FEEDBACK_OPEN: value }).feedbackOpen)).toEqual([true, true, true, false, false, false]);
    expect(modelServerOptionsFromEnv({ CTRAIN_SERVE_RATE_LIMIT: '0' }).rateLimit).toBe(false);
  });

  it('gives the model server its micro-batch wait and size, and refuses values it could not mean', () => {
    expect(modelServerOptionsFromEnv({ CTRAIN_SERVE_BATCH_WAIT_MS: '2', CTRAIN_SERVE_BATCH_MAX_ROWS: '64' }).batching).toEqual({ waitMs: 2, maxRows: 64 });
    expect(modelServerOptionsFromEnv({ CTRAIN_SERVE_BATCH_WAIT_MS: ' 0 ' }).batching).toEqual({ waitMs: 0 });
    expect(modelServerOptionsFromEnv({ CTRAIN_SERVE_BATCH_WAIT_MS: '' }).batching).toBeUndefined();
    for (const [name, value] of [['CTRAIN_SERVE_BATCH_WAIT_MS', '1001'], ['CTRAIN_SERVE_BATCH_WAIT_MS', '1.5'], ['CTRAIN_SERVE_BATCH_MAX_ROWS', '0'], ['CTRAIN_SERVE_BATCH_MAX_ROWS', 'lots'], ['CTRAIN_PREDICTION_LOG_FLUSH_MS', '50']] as const) {
      expect(() => modelServerOptionsFromEnv({ [name]: value }), `${name}=${value}`).toThrow(`${name}=${value} is not a whole number of`);
    }
  });
});

describe('bearer tokens, compared as equal-length digests', () => {
  it('matches a configured token and nothing longer, shorter or different, whatever the lengths involved', () => {
    const tokens = ['x', 'a-much-longer-token-'.repeat(20)];
    expect(bearerMatches('Bearer x', tokens)).toBe(true);
    expect(bearerMatches(`Bearer ${tokens[1]!}`, tokens)).toBe(true);
    // Different lengths would make timingSafeEqual throw on raw bytes: digests make every compare the same length.
    for (const offered of ['xx', '', 'a-much-longer-token-', `${tokens[1]!}x`, 'y'.repeat(10_000)]) {
      expect(bearerMatches(`Bearer ${offered}`, tokens), offered.slice(0, 30)).toBe(false);
    }
    expect(bearerToken('bearer   abc  ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
  });
});
