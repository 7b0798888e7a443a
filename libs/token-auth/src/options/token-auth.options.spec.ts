import { describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { generateKey } from '../keys/generate-key.js';
import { StaticKeyProvider } from '../keys/static.key-provider.js';
import { resolveOptions, type TokenAuthModuleOptions } from './token-auth.options.js';

const keyProvider = new StaticKeyProvider([generateKey()]);

function messageOf(options: Partial<TokenAuthModuleOptions> | undefined): string {
  try {
    resolveOptions(options as TokenAuthModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenAuthConfigError);
    return (error as Error).message;
  }
  throw new Error('the options were accepted');
}

describe('resolveOptions', () => {
  it('fills in the documented defaults, in milliseconds', () => {
    expect(resolveOptions({ keyProvider })).toMatchObject({
      keyProvider,
      accessTokenTtlMs: 900_000,
      maxAccessTokenTtlMs: 86_400_000,
      clockToleranceMs: 30_000,
      clock: Date.now,
      refreshTokenTtlMs: 1_209_600_000,
      maxRefreshTokenTtlMs: 2_592_000_000,
      maxSessionLifetimeMs: 2_592_000_000,
      refreshReplayWindowMs: 30_000,
    });
  });

  it('takes a replay window of 0 (off) up to the refresh-token lifetime, and refuses more or a fraction', () => {
    expect(resolveOptions({ keyProvider, refreshReplayWindow: 0 }).refreshReplayWindowMs).toBe(0);
    // Unset with a refresh-token lifetime under the default window: the lifetime.
    expect(resolveOptions({ keyProvider, refreshTokenTtl: 10 }).refreshReplayWindowMs).toBe(10_000);
    expect(resolveOptions({ keyProvider, refreshTokenTtl: 60, refreshReplayWindow: 60 }).refreshReplayWindowMs).toBe(
      60_000,
    );
    expect(messageOf({ keyProvider, refreshTokenTtl: 60, refreshReplayWindow: 61 })).toBe(
      'refreshReplayWindow (61 s) exceeds refreshTokenTtl (60 s); a few seconds is enough for retries',
    );
    expect(messageOf({ keyProvider, refreshReplayWindow: 1.5 })).toBe(
      'refreshReplayWindow must be a whole number of seconds, got 1.5',
    );
  });

  it('refuses an unknown option, naming it and the nearest valid name', () => {
    expect(messageOf({ keyProvider, accessTokenTTL: 60 } as Partial<TokenAuthModuleOptions>)).toBe(
      'unknown option "accessTokenTTL": did you mean "accessTokenTtl"?',
    );
    expect(messageOf({ keyProvider, refreshReuseGarce: 5 } as Partial<TokenAuthModuleOptions>)).toBe(
      'unknown option "refreshReuseGarce": did you mean "refreshReuseGrace"?',
    );
    expect(messageOf({ keyProvider, banana: true } as Partial<TokenAuthModuleOptions>)).toMatch(
      /^unknown option "banana"; the options are keyProvider, accessTokenTtl, .*refreshReuseGrace/,
    );
  });

  it('takes the values it is given', () => {
    const clock = () => 0;
    expect(
      resolveOptions({ keyProvider, accessTokenTtl: 60, maxAccessTokenTtl: 60, clockTolerance: 300, clock }),
    ).toMatchObject({ accessTokenTtlMs: 60_000, maxAccessTokenTtlMs: 60_000, clockToleranceMs: 300_000, clock });
    expect(resolveOptions({ keyProvider, clockTolerance: 0 }).clockToleranceMs).toBe(0);
  });

  it('needs a key provider', () => {
    const expected = 'keyProvider is required: pass new EnvKeyProvider(), a StaticKeyProvider or your own KeyProvider';
    expect(messageOf(undefined)).toBe(expected);
    expect(messageOf({})).toBe(expected);
    expect(messageOf({ keyProvider: { description: 'no load' } as never })).toBe(expected);
  });

  it.each([
    ['accessTokenTtl', 1.5],
    ['accessTokenTtl', '900'],
    ['maxAccessTokenTtl', -1],
    ['clockTolerance', Number.NaN],
    ['refreshTokenTtl', Infinity],
  ])('refuses %s = %p: whole seconds only', (name, value) => {
    expect(messageOf({ keyProvider, [name]: value })).toBe(
      `${name} must be a whole number of seconds, got ${String(value)}`,
    );
  });

  it('refuses a TTL of 0', () => {
    expect(messageOf({ keyProvider, accessTokenTtl: 0 })).toBe('accessTokenTtl must be at least 1 second');
    expect(messageOf({ keyProvider, refreshTokenTtl: 0 })).toBe('refreshTokenTtl must be at least 1 second');
  });

  it('refuses a TTL over the maximum lifetime', () => {
    expect(messageOf({ keyProvider, accessTokenTtl: 3601, maxAccessTokenTtl: 3600 })).toBe(
      'accessTokenTtl (3601 s) exceeds maxAccessTokenTtl (3600 s); lower the TTL or raise the maximum',
    );
    expect(messageOf({ keyProvider, accessTokenTtl: 86_401 })).toContain('exceeds maxAccessTokenTtl (86400 s)');
    expect(messageOf({ keyProvider, refreshTokenTtl: 2_592_001 })).toContain('exceeds maxRefreshTokenTtl (2592000 s)');
  });

  it('refuses a clock tolerance over 300 s', () => {
    expect(messageOf({ keyProvider, clockTolerance: 301 })).toBe(
      'clockTolerance (301 s) is over 300 s; fix the clocks (NTP) instead of widening it',
    );
  });

  it('refuses a clock that is not a function', () => {
    expect(messageOf({ keyProvider, clock: 1_700_000_000_000 as never })).toBe(
      'clock must be a function returning milliseconds since the epoch, like Date.now',
    );
  });

  it('refuses a session lifetime of 0 or not in whole seconds', () => {
    expect(messageOf({ keyProvider, maxSessionLifetime: 0 })).toBe('maxSessionLifetime must be at least 1 second');
    expect(messageOf({ keyProvider, maxSessionLifetime: 1.5 })).toBe(
      'maxSessionLifetime must be a whole number of seconds, got 1.5',
    );
  });

  it('accepts the deprecated refreshReuseGrace with a warning that says to remove it', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      expect(resolveOptions({ keyProvider, refreshReuseGrace: 10 })).not.toHaveProperty('refreshReuseGraceMs');
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(/^refreshReuseGrace is deprecated and ignored.*remove the option$/),
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a revocation store that does not implement RevocationStore', () => {
    expect(messageOf({ keyProvider, revocationStore: {} as never })).toMatch(
      /^revocationStore must implement RevocationStore/,
    );
  });
});
