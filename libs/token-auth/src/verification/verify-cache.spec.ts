import { describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { generateKey } from '../keys/generate-key.js';
import type { KeyProvider } from '../keys/key-provider.interface.js';
import { KeyRingManager } from '../keys/key-ring-manager.js';
import type { KeySpec } from '../keys/key-ring.js';
import { TokenAuthModule } from '../token-auth.module.js';
import { resolveOptions } from '../options/token-auth.options.js';
import { ManualClock } from '../testing/manual-clock.js';
import type { TokenAuthTestingOptions } from '../testing/testing-module.js';
import { TokenService } from '../token.service.js';

class MutableKeyProvider implements KeyProvider {
  readonly description = 'test keys';
  keys: KeySpec[] = [generateKey('active')];
  loads = 0;

  async load(): Promise<readonly KeySpec[]> {
    this.loads++;
    return this.keys;
  }
}

async function setup(options: TokenAuthTestingOptions = {}) {
  const clock = new ManualClock(1_800_000_000_000);
  const provider = new MutableKeyProvider();
  const moduleRef = await Test.createTestingModule({
    imports: [
      TokenAuthModule.forTesting({ keyProvider: provider, clock, accessTokenTtl: 60, clockTolerance: 5, ...options }),
    ],
  }).compile();
  return { tokens: moduleRef.get(TokenService), ring: moduleRef.get(KeyRingManager), provider, clock };
}

/** A token's first two verifications: the second caches it, so what follows is answered from the cache. */
function verifyTwice(tokens: TokenService, token: string) {
  tokens.verify(token);
  return tokens.verify(token);
}

describe('TokenService.verify with the verified-token cache', () => {
  it('caches a token on its second verification, then answers it with the same frozen claims; with verifyCache: false, decodes it every time', async () => {
    const cached = await setup();
    const { token } = cached.tokens.issue('u', { claims: { roles: ['admin'] } });
    const first = cached.tokens.verify(token);
    const second = cached.tokens.verify(token);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    expect(cached.tokens.verify(token)).toBe(second);
    expect(Object.isFrozen(second)).toBe(true);
    expect(Object.isFrozen(second.claims)).toBe(true);

    const uncached = await setup({ verifyCache: false });
    const other = uncached.tokens.issue('u').token;
    const again = uncached.tokens.verify(other);
    expect(uncached.tokens.verify(other)).not.toBe(again);
    expect(uncached.tokens.verify(other)).toEqual(again);
  });

  it('refuses a forged token ending like a cached one, and keeps answering the real one', async () => {
    const { tokens } = await setup();
    const real = tokens.issue('alice').token;
    const other = tokens.issue('bobby').token;
    const cached = verifyTwice(tokens, real);
    expect(tokens.verify(real)).toBe(cached);
    // Another token's body with the real token's last characters, where the cache looks a token up.
    const forged = other.slice(0, -30) + real.slice(-30);
    expect(() => tokens.verify(forged)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
    expect(tokens.verify(real)).toBe(cached);
  });

  it('refuses a cached token once it expires, or when the clock goes back before its issue time', async () => {
    const { tokens, clock } = await setup();
    const { token } = tokens.issue('u');
    const cached = verifyTwice(tokens, token);
    expect(tokens.verify(token)).toBe(cached);
    clock.advance(-5_001);
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'token_not_yet_valid' }));
    clock.advance(5_001 + 65_000);
    expect(() => tokens.verify(token)).not.toThrow();
    clock.advance(1);
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'token_expired' }));
  });

  it('refuses a cached token revoked by id, by session or by user', async () => {
    const { tokens } = await setup();
    const byId = tokens.issue('a').token;
    const bySession = tokens.issue('b').token;
    const byUser = tokens.issue('c').token;
    for (const token of [byId, bySession, byUser]) {
      const cached = verifyTwice(tokens, token);
      expect(tokens.verify(token)).toBe(cached);
    }
    await tokens.revoke(byId);
    await tokens.revokeSession(tokens.verify(bySession).sid);
    await tokens.revokeAllForUser('c');
    for (const token of [byId, bySession, byUser])
      expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
  });

  it('keeps answering from the cache across a reload that leaves the key unchanged, such as one an unknown key id asks for', async () => {
    const { tokens, ring, provider } = await setup();
    const { token } = tokens.issue('u');
    const cached = verifyTwice(tokens, token);
    const loads = provider.loads;
    const before = ring.current;
    const stranger = (await setup()).tokens.issue('u').token;
    expect(() => tokens.verify(stranger)).toThrow(expect.objectContaining({ code: 'unknown_key' }));
    // The reload the unknown key id asked for, under way: a new ring object with the same key.
    await ring.refresh();
    expect(provider.loads).toBe(loads + 1);
    expect(ring.current).not.toBe(before);
    // The same frozen object: a hit, no decoding and no HMAC.
    expect(tokens.verify(token)).toBe(cached);
    // A reload that adds a key keeps it too.
    provider.keys = [...provider.keys, generateKey('verify-only')];
    await ring.refresh();
    expect(tokens.verify(token)).toBe(cached);
  });

  it('keeps answering from the cache across a reload that removed another key (a rotation dropping a retired one)', async () => {
    const { tokens, ring, provider } = await setup();
    const kept = provider.keys[0]!;
    // Retired long ago, so that it may leave the ring.
    provider.keys = [kept, { ...generateKey('verify-only'), retireAfter: new Date(0).toISOString() }];
    await ring.refresh();
    const { token } = tokens.issue('u');
    const cached = verifyTwice(tokens, token);
    provider.keys = [kept];
    await ring.refresh();
    expect(ring.current.describe()).toHaveLength(1);
    // The same frozen object: the token's key is unchanged, so its entry stands.
    expect(tokens.verify(token)).toBe(cached);
  });

  it('refuses a cached token whose key left the ring at a reload, though the entry stands', async () => {
    const { tokens, ring, provider } = await setup();
    const [signing] = provider.keys;
    const other = generateKey('verify-only');
    provider.keys = [signing!, other];
    await ring.refresh();
    const { token } = tokens.issue('u');
    verifyTwice(tokens, token);
    // Rotations this instance missed: a new active key, the signing one gone.
    provider.keys = [generateKey('active'), other];
    await ring.refresh();
    expect(ring.current.get(signing!.id)).toBeUndefined();
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'unknown_key' }));
  });

  it("refuses a cached token whose key a reload retired, or whose key's signedUntil a reload moved before it", async () => {
    for (const edit of [
      (now: number) => ({ retireAfter: new Date(now).toISOString() }),
      (now: number) => ({ signedUntil: new Date(now - 60_000).toISOString() }),
    ]) {
      const { tokens, ring, provider, clock } = await setup();
      const key = provider.keys[0]!;
      const { token } = tokens.issue('u');
      verifyTwice(tokens, token);
      // The key is still in the ring, unchanged in its bytes: the entry stands, and the ring in use refuses it.
      provider.keys = [generateKey('active'), { ...key, state: 'verify-only', ...edit(clock.now()) }];
      await ring.refresh();
      expect(ring.current.get(key.id)).toBeDefined();
      expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'unknown_key' }));
    }
  });

  it('refuses a cached token once its key passes retireAfter, with no ring change: the key is asked on every hit', async () => {
    const signer = await setup();
    const { token } = signer.tokens.issue('u');
    const verifier = await setup();
    const retiring = signer.provider.keys[0]!;
    verifier.provider.keys = [
      verifier.provider.keys[0]!,
      { ...retiring, state: 'verify-only', retireAfter: new Date(verifier.clock.now() + 10_000).toISOString() },
    ];
    await verifier.ring.refresh();
    const claims = verifyTwice(verifier.tokens, token);
    expect(verifier.tokens.verify(token)).toBe(claims);
    verifier.clock.advance(10_000);
    expect(() => verifier.tokens.verify(token)).toThrow(expect.objectContaining({ code: 'unknown_key' }));
  });

  it('never answers a forged token from the cache', async () => {
    const { tokens } = await setup();
    const { token } = tokens.issue('u');
    // In the tag, before the last six characters: the forged token finds the cached entry and differs from its text.
    const at = token.length - 10;
    const forged = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    const cached = verifyTwice(tokens, token);
    expect(tokens.verify(token)).toBe(cached);
    expect(() => tokens.verify(forged)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
    expect(() => tokens.verify(forged)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });
});

describe('verifyCache option', () => {
  const keyProvider = new MutableKeyProvider();

  it('is on by default, can be sized, and is off with false', () => {
    expect(resolveOptions({ keyProvider }).verifyCache).toEqual({ maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 });
    expect(resolveOptions({ keyProvider, verifyCache: { maxEntries: 5 } }).verifyCache).toEqual({
      maxEntries: 5,
      maxBytes: 8 * 1024 * 1024,
    });
    expect(resolveOptions({ keyProvider, verifyCache: false }).verifyCache).toBe(false);
  });

  it('stops startup with a message that says what to fix', () => {
    for (const [verifyCache, message] of [
      [{ maxEntries: 0 }, 'verifyCache.maxEntries must be a whole number of at least 1, got 0'],
      [{ maxBytes: 1.5 }, 'verifyCache.maxBytes must be a whole number of at least 1, got 1.5'],
      [true, 'verifyCache must be false, or an object such as { maxEntries: 10000 }, or left out'],
    ] as const) {
      expect(() => resolveOptions({ keyProvider, verifyCache: verifyCache as never })).toThrow(message);
    }
  });
});
