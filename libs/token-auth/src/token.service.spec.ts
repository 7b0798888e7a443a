import { describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { MAX_TOKEN_LENGTH } from './format/token-format.js';
import { generateKey } from './keys/generate-key.js';
import type { KeyProvider } from './keys/key-provider.interface.js';
import { KeyRingManager } from './keys/key-ring-manager.js';
import type { KeySpec } from './keys/key-ring.js';
import { StaticKeyProvider } from './keys/static.key-provider.js';
import { TokenAuthModule } from './token-auth.module.js';
import { ManualClock } from './testing/manual-clock.js';
import type { TokenAuthTestingOptions } from './testing/testing-module.js';
import { TokenService } from './token.service.js';

async function serviceWith(options: TokenAuthTestingOptions = {}): Promise<TokenService> {
  const moduleRef = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting(options)] }).compile();
  return moduleRef.get(TokenService);
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
    expect(() => b.verify(a.issue('u').token)).toThrow(expect.objectContaining({ code: 'unknown_key' }));
  });

  describe('retired keys', () => {
    const T = Date.parse('2026-06-01T00:00:00Z');
    const key = generateKey();
    const signer = () => serviceWith({ keyProvider: new StaticKeyProvider([key]), clock: new ManualClock(T) });
    const verifierWith = (schedule: Pick<KeySpec, 'retireAfter' | 'signedUntil'>) =>
      serviceWith({
        keyProvider: new StaticKeyProvider([generateKey(), { ...key, state: 'verify-only', ...schedule }]),
        clock: new ManualClock(T),
      });

    it('a key past its retireAfter verifies nothing, even a token signed now: unknown_key', async () => {
      const { token } = (await signer()).issue('u');
      const retired = await verifierWith({ retireAfter: '2020-01-01T00:00:00Z' });
      expect(() => retired.verify(token)).toThrow(expect.objectContaining({ code: 'unknown_key' }));
      const retiring = await verifierWith({ retireAfter: new Date(T + 1).toISOString() });
      expect(retiring.verify(token).sub).toBe('u');
    });

    it('a verify-only key refuses tokens issued after its signedUntil plus the clock tolerance', async () => {
      const { token } = (await signer()).issue('u');
      const withinTolerance = await verifierWith({ signedUntil: new Date(T - 30_000).toISOString() });
      expect(withinTolerance.verify(token).sub).toBe('u');
      const stoppedEarlier = await verifierWith({ signedUntil: new Date(T - 30_001).toISOString() });
      expect(() => stoppedEarlier.verify(token)).toThrow(expect.objectContaining({ code: 'unknown_key' }));
    });

    it('refresh tokens go through the same check', async () => {
      const { refresh } = (await signer()).issuePair('u');
      const retired = await verifierWith({ retireAfter: '2020-01-01T00:00:00Z' });
      await expect(retired.refresh(refresh.token)).rejects.toMatchObject({ code: 'unknown_key' });
    });
  });

  it('rejects expired tokens after the clock tolerance, not before', async () => {
    const clock = new ManualClock();
    const tokens = await serviceWith({ clock, accessTokenTtl: 60, clockTolerance: 30 });
    const { token } = tokens.issue('u');
    clock.advance(60_000 + 30_000);
    expect(() => tokens.verify(token)).not.toThrow();
    clock.advance(1);
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'token_expired' }));
  });

  it('rejects tokens issued beyond the tolerance in the future', async () => {
    const clock = new ManualClock();
    const tokens = await serviceWith({ clock, clockTolerance: 30 });
    const { token } = tokens.issue('u');
    clock.advance(-30_001);
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'token_not_yet_valid' }));
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
    expect(() => tokens.verify('')).toThrow(expect.objectContaining({ code: 'token_missing' }));
    expect(() => tokens.verify('x'.repeat(5000))).toThrow(expect.objectContaining({ code: 'token_malformed' }));
    expect(() => tokens.verify('nta2.AAAA')).toThrow(expect.objectContaining({ code: 'unsupported_version' }));
    expect(() => tokens.verify('Bearer abc')).toThrow(expect.objectContaining({ code: 'token_malformed' }));
    const { token } = tokens.issue('u');
    expect(() => tokens.verify(`${token}=`)).toThrow(expect.objectContaining({ code: 'token_malformed' }));
    expect(() => tokens.verify(`${token}AA`)).toThrow(expect.objectContaining({ code: 'token_malformed' }));
  });

  it('answers non-string input with token_missing, never a TypeError', async () => {
    const tokens = await serviceWith();
    for (const input of [undefined, null, 42, {}, ['nta1.AAAA']]) {
      expect(() => tokens.verify(input as unknown as string)).toThrow(
        expect.objectContaining({ code: 'token_missing' }),
      );
    }
  });

  it('takes a subject of up to 255 bytes of UTF-8 and claims of up to 1024 bytes, within MAX_TOKEN_LENGTH', async () => {
    const tokens = await serviceWith();
    const subject = `${'é'.repeat(127)}x`;
    const claims = { pad: 'x'.repeat(1014) };
    const { token } = tokens.issue(subject, { claims });
    expect(token).toHaveLength(MAX_TOKEN_LENGTH);
    expect(tokens.verify(token)).toMatchObject({ sub: subject, claims });
    expect(() => tokens.issue(`${subject}x`)).toThrow(RangeError);
    expect(() => tokens.issue('u', { claims: { pad: 'x'.repeat(1015) } })).toThrow(RangeError);
  });

  it('refuses claims that are not a plain JSON object, and writes none for an empty one', async () => {
    const tokens = await serviceWith();
    for (const claims of [new Date(), ['admin'], 'admin', null]) {
      expect(() => tokens.issue('u', { claims: claims as unknown as Record<string, unknown> })).toThrow(TypeError);
    }
    expect(tokens.issue('u', { claims: {} }).token).toHaveLength(tokens.issue('u').token.length);
    expect(tokens.verify(tokens.issue('u', { claims: {} }).token).claims).toEqual({});
  });

  it('refuses claims whose toJSON gives no JSON object', async () => {
    const tokens = await serviceWith();
    const claims = { toJSON: () => undefined } as unknown as Record<string, unknown>;
    expect(() => tokens.issue('u', { claims })).toThrow(TypeError);
  });

  it('returns verified claims deeply frozen, one object for tokens that carry the same claims', async () => {
    const tokens = await serviceWith();
    const claims = { roles: ['admin'], org: { id: 7 } };
    const first = tokens.verify(tokens.issue('a', { claims }).token);
    const second = tokens.verify(tokens.issue('b', { claims }).token);
    expect(first.claims).toEqual(claims);
    expect(second.claims).toBe(first.claims);
    expect(Object.isFrozen(first.claims)).toBe(true);
    expect(Object.isFrozen(first.claims.roles)).toBe(true);
    expect(Object.isFrozen(first.claims.org)).toBe(true);
    expect(() => (first.claims.roles as string[]).push('root')).toThrow(TypeError);
    expect(tokens.verify(tokens.issue('c', { claims: { roles: ['user'] } }).token).claims).toEqual({ roles: ['user'] });
    expect(Object.isFrozen(tokens.verify(tokens.issue('d').token).claims)).toBe(true);
  });

  it('holds at most 1024 parsed claims; claims it no longer holds are parsed again, equal', async () => {
    const tokens = await serviceWith();
    const tokenWith = (n: number) => tokens.issue('u', { claims: { n } }).token;
    const first = Array.from({ length: 3000 }, (_, n) => tokens.verify(tokenWith(n)).claims);
    const again = first.map((_, n) => tokens.verify(tokenWith(n)).claims);
    expect(again).toEqual(first);
    const shared = again.filter((claims, n) => claims === first[n]).length;
    expect(shared).toBeGreaterThan(0);
    expect(shared).toBeLessThanOrEqual(1024);
    // The claims verified last are held.
    expect(tokens.verify(tokenWith(2999)).claims).toBe(again[2999]);
  });

  it('refuses a session id that is not 16 bytes of canonical base64url', async () => {
    const tokens = await serviceWith();
    const sid = tokens.issue('u').claims.sid;
    for (const bad of [
      '',
      'abc',
      `${sid}A`,
      sid.replace(/-/g, '+').replace(/_/g, '/') + '==',
      Buffer.alloc(17).toString('base64url'),
    ]) {
      expect(() => tokens.issue('u', { sessionId: bad })).toThrow(TypeError);
    }
  });

  it('takes a per-call TTL and reports expiry in seconds and as a date', async () => {
    const now = 1_700_000_000_000;
    const tokens = await serviceWith({ clock: new ManualClock(now) });
    const issued = tokens.issue('u', { ttl: 60 });
    expect(issued).toMatchObject({ expiresIn: 60, expiresAt: new Date(now + 60_000) });
    expect(issued.claims).toMatchObject({ issuedAt: now, expiresAt: now + 60_000 });
    expect(() => tokens.issue('u', { ttl: 1.5 })).toThrow(RangeError);
  });

  describe('key rotation', () => {
    const a = generateKey();
    const b = generateKey();
    let ring: KeySpec[];
    let loads = 0;
    const provider: KeyProvider = {
      description: 'rotating',
      // These tests swap whole rings, dropping keys still in use: a source does that only by design (staged mode).
      unscheduledKeyRemoval: true,
      load: async () => {
        loads++;
        return ring;
      },
    };

    it('keeps verifying tokens of a key demoted to verify-only, signs with the new active key, and drops removed keys', async () => {
      ring = [a];
      const moduleRef = await Test.createTestingModule({
        imports: [TokenAuthModule.forRoot({ keyProvider: provider })],
      }).compile();
      const tokens = moduleRef.get(TokenService);
      const manager = moduleRef.get(KeyRingManager);
      const old = tokens.issue('u').token;

      ring = [
        { ...b, state: 'active' },
        { ...a, state: 'verify-only' },
      ];
      await manager.refresh();
      expect(tokens.verify(old).kid).toBe(a.id);
      const fresh = tokens.issue('u');
      expect(fresh.claims.kid).toBe(b.id);

      ring = [b];
      await manager.refresh();
      expect(() => tokens.verify(old)).toThrow(expect.objectContaining({ code: 'unknown_key' }));
      expect(tokens.verify(fresh.token).kid).toBe(b.id);
      await moduleRef.close();
    });

    it('asks the provider for the ring again when a token names an unknown key, at most once per 30 s', async () => {
      ring = [a];
      const moduleRef = await Test.createTestingModule({
        imports: [TokenAuthModule.forRoot({ keyProvider: provider })],
      }).compile();
      const tokens = moduleRef.get(TokenService);
      const stranger = await serviceWith();
      const foreign = stranger.issue('u').token;
      loads = 0;
      // The next key was published to the source but this instance has not loaded it yet.
      ring = [a, { ...b, state: 'verify-only' }];
      for (let i = 0; i < 50; i++)
        expect(() => tokens.verify(foreign)).toThrow(expect.objectContaining({ code: 'unknown_key' }));
      await new Promise((resolve) => setImmediate(resolve));
      expect(loads).toBe(1);
      await moduleRef.close();
    });
  });
});
