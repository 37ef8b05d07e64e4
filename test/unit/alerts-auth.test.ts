import { createHmac } from 'node:crypto';
import { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { AlertReceiverConfigError, authenticate, authFromEnv, checkAuthConfig, signatureMatches, signBody } from '../../alerts/auth.js';
import { bearerMatches } from '../../http/bearer.js';
import { createAlertReceiver } from '../../alerts/server.js';

describe('the HMAC signature', () => {
  it('matches RFC 4231 test case 2', () => {
    expect(signBody('what do ya want for nothing?', 'Jefe')).toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('accepts the HMAC of the exact raw body and refuses any other body, key or header form', () => {
    const body = Buffer.from('{"model":"flight-delay","reason":"drift"}');
    const hex = createHmac('sha256', 's3cret').update(body).digest('hex');
    expect(signatureMatches(body, `sha256=${hex}`, 's3cret')).toBe(true);
    expect(signatureMatches(body, `sha256=${hex.toUpperCase()}`, 's3cret')).toBe(true);
    expect(signatureMatches(Buffer.from('{"model":"flight-delay","reason":"drift" }'), `sha256=${hex}`, 's3cret')).toBe(false);
    expect(signatureMatches(body, `sha256=${hex}`, 'other')).toBe(false);
    expect(signatureMatches(body, hex, 's3cret')).toBe(false);
    expect(signatureMatches(body, `sha256=${hex.slice(2)}`, 's3cret')).toBe(false);
    expect(signatureMatches(body, `sha1=${hex}`, 's3cret')).toBe(false);
    expect(signatureMatches(body, [`sha256=${hex}`], 's3cret')).toBe(false);
    expect(signatureMatches(body, undefined, 's3cret')).toBe(false);
  });
});

describe('the bearer token', () => {
  const tokens = ['alpha-token-1', 'beta-token-2'];

  it('matches any configured token, whatever the scheme case', () => {
    expect(bearerMatches('Bearer alpha-token-1', tokens)).toBe(true);
    expect(bearerMatches('bearer beta-token-2', tokens)).toBe(true);
  });

  it('refuses other tokens, prefixes and extensions of a token, other schemes and no token', () => {
    for (const header of ['Bearer alpha-token', 'Bearer alpha-token-12', 'Bearer ', 'Basic alpha-token-1', 'alpha-token-1', 'Bearer alpha-token-1 extra', undefined, ['Bearer alpha-token-1']]) {
      expect(bearerMatches(header, tokens), String(header)).toBe(false);
    }
    expect(bearerMatches('Bearer alpha-token-1', [])).toBe(false);
  });
});

describe('authenticating a request', () => {
  const body = Buffer.from('{}');
  const auth = { bearerTokens: ['t1'], hmacSecret: 'k' };

  it('lets in a valid token or a valid signature, and tells missing from invalid credentials', () => {
    expect(authenticate({ authorization: 'Bearer t1' }, body, auth)).toEqual({ ok: true, via: 'bearer' });
    expect(authenticate({ 'x-ctrain-signature': signBody(body, 'k') }, body, auth)).toEqual({ ok: true, via: 'hmac' });
    expect(authenticate({ authorization: 'Bearer wrong', 'x-ctrain-signature': signBody(body, 'k') }, body, auth)).toEqual({ ok: true, via: 'hmac' });
    expect(authenticate({}, body, auth)).toEqual({ ok: false, reason: 'missing' });
    expect(authenticate({ authorization: 'Bearer wrong' }, body, auth)).toEqual({ ok: false, reason: 'invalid' });
    expect(authenticate({ 'x-ctrain-signature': signBody(body, 'k') }, body, { bearerTokens: ['t1'] })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('reads tokens and the secret from the environment', () => {
    expect(authFromEnv({ CTRAIN_ALERT_TOKENS: ' a , b,,', CTRAIN_ALERT_HMAC_SECRET: 'k' })).toEqual({ bearerTokens: ['a', 'b'], hmacSecret: 'k' });
    expect(authFromEnv({ CTRAIN_ALERT_HMAC_SECRET: '' })).toEqual({ bearerTokens: [], hmacSecret: undefined });
  });

  it('refuses to configure a receiver without credentials unless unauthenticated use is asked for', () => {
    expect(() => checkAuthConfig({ bearerTokens: ['', '  '], hmacSecret: '' })).toThrow(AlertReceiverConfigError);
    expect(() => checkAuthConfig({})).toThrow(/CTRAIN_ALERT_TOKENS.*CTRAIN_ALERT_HMAC_SECRET.*allowUnauthenticated/);
    expect(checkAuthConfig({}, true)).toEqual({ bearerTokens: [], hmacSecret: undefined });
    expect(checkAuthConfig({ bearerTokens: [' t1 ', ''] })).toEqual({ bearerTokens: ['t1'], hmacSecret: undefined });
  });

  it('will not build a receiver without credentials', () => {
    // A lazy client: nothing connects, and nothing is signalled.
    const client = new Client();
    expect(() => createAlertReceiver({ client, auth: {} })).toThrow(AlertReceiverConfigError);
    const open = createAlertReceiver({ client, auth: {}, allowUnauthenticated: true });
    expect(open.app.hasRoute({ method: 'POST', url: '/alerts/alertmanager' })).toBe(true);
    return open.close();
  });
});
