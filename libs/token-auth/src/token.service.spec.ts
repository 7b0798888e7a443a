import { describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { TokenAuthError } from './errors/token-auth.error.js';
import { generateKey } from './keys/generate-key.js';
import { StaticKeyProvider } from './keys/static.key-provider.js';
import { TokenAuthModule } from './token-auth.module.js';
import type { TokenAuthModuleOptions } from './token-auth.options.js';
import { TokenService } from './token.service.js';

async function serviceWith(options: Partial<TokenAuthModuleOptions> = {}): Promise<TokenService> {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([generateKey()]), ...options })],
  }).compile();
  return moduleRef.get(TokenService);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof TokenAuthError ? error.code : `not a TokenAuthError: ${String(error)}`;
  }
  return undefined;
}

describe('TokenService', () => {
  it('issues a token that verifies to the same claims', async () => {
    const tokens = await serviceWith();
    const issued = tokens.issue('user-42', { claims: { roles: ['admin'] } });
    expect(issued.expiresIn).toBe(900);
    expect(tokens.verify(issued.token)).toEqual(issued.claims);
    expect(issued.claims).toMatchObject({ sub: 'user-42', purpose: 'access', claims: { roles: ['admin'] } });
  });

  it('gives every token a fresh id and session', async () => {
    const tokens = await serviceWith();
    const a = tokens.issue('u').claims;
    const b = tokens.issue('u').claims;
    expect(a.jti).not.toBe(b.jti);
    expect(a.sid).not.toBe(b.sid);
  });

  it('keeps a session id when asked to', async () => {
    const tokens = await serviceWith();
    const first = tokens.issue('u').claims;
    expect(tokens.issue('u', { sessionId: first.sid }).claims.sid).toBe(first.sid);
  });

  it('rejects a token signed by a key outside the ring', async () => {
    const [a, b] = await Promise.all([serviceWith(), serviceWith()]);
    expect(codeOf(() => b.verify(a.issue('u').token))).toBe('unknown_key');
  });

  it('rejects expired tokens after the clock tolerance, not before', async () => {
    let now = 1_700_000_000_000;
    const tokens = await serviceWith({ clock: () => now, accessTokenTtl: 60, clockTolerance: 30 });
    const { token } = tokens.issue('u');
    now += 60_000 + 30_000;
    expect(codeOf(() => tokens.verify(token))).toBeUndefined();
    now += 1;
    expect(codeOf(() => tokens.verify(token))).toBe('token_expired');
  });

  it('rejects tokens issued beyond the tolerance in the future', async () => {
    let now = 1_700_000_000_000;
    const tokens = await serviceWith({ clock: () => now, clockTolerance: 30 });
    const { token } = tokens.issue('u');
    now -= 30_001;
    expect(codeOf(() => tokens.verify(token))).toBe('token_not_yet_valid');
  });

  it('refuses to issue past the maximum lifetime or with a bad subject', async () => {
    const tokens = await serviceWith({ maxAccessTokenTtl: 3600 });
    expect(() => tokens.issue('u', { ttl: 3601 })).toThrow(RangeError);
    expect(() => tokens.issue('u', { ttl: 0 })).toThrow(RangeError);
    expect(() => tokens.issue('')).toThrow(TypeError);
    expect(() => tokens.issue('x'.repeat(256))).toThrow(RangeError);
    expect(() => tokens.issue('\ud800')).toThrow(TypeError);
    expect(() => tokens.issue('u', { claims: { big: 'x'.repeat(1100) } })).toThrow(RangeError);
  });

  it('answers garbage with TokenAuthError codes', async () => {
    const tokens = await serviceWith();
    expect(codeOf(() => tokens.verify(''))).toBe('token_missing');
    expect(codeOf(() => tokens.verify('x'.repeat(5000)))).toBe('token_malformed');
    expect(codeOf(() => tokens.verify('nta2.AAAA'))).toBe('unsupported_version');
    expect(codeOf(() => tokens.verify('Bearer abc'))).toBe('token_malformed');
    const { token } = tokens.issue('u');
    expect(codeOf(() => tokens.verify(`${token}=`))).toBe('token_malformed');
    expect(codeOf(() => tokens.verify(`${token}AA`))).toBe('token_malformed');
  });
});
