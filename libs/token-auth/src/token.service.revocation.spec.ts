import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { TokenAuthConfigError } from './errors/token-auth-config.error.js';
import { generateKey } from './keys/generate-key.js';
import { StaticKeyProvider } from './keys/static.key-provider.js';
import { ManualClock } from './testing/manual-clock.js';
import type { TokenAuthTestingOptions } from './testing/testing-module.js';
import { MemoryRevocationStore } from './revocation/memory.revocation-store.js';
import { REVOCATION_STORE } from './revocation/revocation-store.interface.js';
import { TokenAuthModule } from './token-auth.module.js';
import { TokenService } from './token.service.js';

const T0 = 1_700_000_000_000;
const modules: TestingModule[] = [];

afterEach(async () => {
  await Promise.all(modules.splice(0).map((m) => m.close()));
});

interface Fixture {
  tokens: TokenService;
  store: MemoryRevocationStore;
  advance(ms: number): void;
}

async function fixture(options: TokenAuthTestingOptions = {}, start = T0): Promise<Fixture> {
  const clock = new ManualClock(start);
  const store = new MemoryRevocationStore({ clock: clock.now });
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forTesting({ clock, revocationStore: store, ...options })],
  }).compile();
  await moduleRef.init();
  modules.push(moduleRef);
  return { tokens: moduleRef.get(TokenService), store, advance: (ms) => clock.advance(ms) };
}

describe('revoking one token', () => {
  it('rejects that token and no other', async () => {
    const { tokens } = await fixture();
    const a = tokens.issue('alice');
    const b = tokens.issue('alice');
    expect(await tokens.revoke(a.token)).toEqual({ persisted: true });
    expect(() => tokens.verify(a.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    expect(tokens.verify(b.token).jti).toBe(b.claims.jti);
  });

  it('accepts verified claims instead of the token', async () => {
    const { tokens } = await fixture();
    const a = tokens.issue('alice');
    await tokens.revoke(tokens.verify(a.token));
    expect(() => tokens.verify(a.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
  });

  it('revokes a refresh token given as a string, so it can no longer refresh', async () => {
    const { tokens } = await fixture();
    const pair = tokens.issuePair('alice');
    await tokens.revoke(pair.refresh.token);
    await expect(tokens.refresh(pair.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    expect(tokens.verify(pair.access.token).sub).toBe('alice');
  });

  it('revokes a refresh token given as bare claims (id and expiry), so it can no longer refresh', async () => {
    const { tokens } = await fixture();
    const pair = tokens.issuePair('alice');
    await tokens.revoke({ jti: pair.refresh.claims.jti, expiresAt: pair.refresh.claims.expiresAt });
    await expect(tokens.refresh(pair.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
  });

  it('refuses to revoke a forged token and does nothing for an expired one', async () => {
    const { tokens, store, advance } = await fixture({ accessTokenTtl: 60, clockTolerance: 0 });
    const { token } = tokens.issue('alice');
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expect(tokens.revoke(forged)).rejects.toMatchObject({ code: 'invalid_signature' });
    advance(61_000);
    expect(await tokens.revoke(token)).toEqual({ persisted: true });
    expect(store.health().tokens).toBe(0);
  });

  it('keeps the entry until the token expires, then drops it', async () => {
    const { tokens, store, advance } = await fixture({ accessTokenTtl: 60, clockTolerance: 5 });
    const { token } = tokens.issue('alice');
    await tokens.revoke(token);
    advance(60_000 + 5_000);
    store.sweep();
    expect(store.health().tokens).toBe(1);
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    advance(1);
    store.sweep();
    expect(store.health().tokens).toBe(0);
    expect(store.footprint).toBe(0);
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'token_expired' }));
  });
});

describe('revoking every token of a user', () => {
  it('rejects tokens issued up to now, of every purpose, and only that user', async () => {
    const { tokens, advance } = await fixture();
    const old = tokens.issuePair('alice');
    advance(1000);
    const sameMillisecond = tokens.issue('alice');
    const bob = tokens.issue('bob');
    await tokens.revokeAllForUser('alice');
    expect(() => tokens.verify(old.access.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    expect(() => tokens.verify(sameMillisecond.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    await expect(tokens.refresh(old.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    expect(tokens.verify(bob.token).sub).toBe('bob');
  });

  it('lets tokens issued afterwards work, even within the same millisecond', async () => {
    const { tokens, advance } = await fixture();
    await tokens.revokeAllForUser('alice');
    const fresh = tokens.issuePair('alice');
    expect(tokens.verify(fresh.access.token).sub).toBe('alice');
    advance(1);
    expect((await tokens.refresh(fresh.refresh.token)).access.claims.sub).toBe('alice');
  });

  it('keeps the later cut-off when called twice', async () => {
    const { tokens, advance } = await fixture();
    await tokens.revokeAllForUser('alice');
    advance(5000);
    const between = tokens.issue('alice');
    await tokens.revokeAllForUser('alice');
    expect(() => tokens.verify(between.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
  });
});

describe('revoking a session', () => {
  it('rejects every token of the session, including pairs refreshed from it', async () => {
    const { tokens, advance } = await fixture();
    const login = tokens.issuePair('alice');
    const other = tokens.issuePair('alice');
    advance(1000);
    const next = await tokens.refresh(login.refresh.token);
    await tokens.revokeSession(login.access.claims.sid);
    for (const token of [login.access.token, next.access.token]) {
      expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    }
    await expect(tokens.refresh(next.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    expect(tokens.verify(other.access.token).sub).toBe('alice');
  });

  it('refuses a session id that is not one', async () => {
    const { tokens } = await fixture();
    await expect(tokens.revokeSession('not-a-session')).rejects.toThrow(TypeError);
  });
});

describe('refresh tokens', () => {
  it('come in a pair with the access token, sharing one new session', async () => {
    const { tokens } = await fixture({ accessTokenTtl: 600, refreshTokenTtl: 86_400 });
    const { access, refresh } = tokens.issuePair('alice', { claims: { roles: ['admin'] } });
    expect(access.claims.purpose).toBe('access');
    expect(refresh.claims.purpose).toBe('refresh');
    expect(refresh.claims.sid).toBe(access.claims.sid);
    expect(access.expiresIn).toBe(600);
    expect(refresh.expiresIn).toBe(86_400);
    expect(refresh.claims.claims).toEqual({ roles: ['admin'] });
    expect(tokens.issuePair('alice').access.claims.sid).not.toBe(access.claims.sid);
  });

  it('never pass as access tokens, nor access tokens as refresh tokens', async () => {
    const { tokens } = await fixture();
    const { access, refresh } = tokens.issuePair('alice');
    expect(() => tokens.verify(refresh.token)).toThrow(expect.objectContaining({ code: 'wrong_purpose' }));
    await expect(tokens.refresh(access.token)).rejects.toMatchObject({
      code: 'wrong_purpose',
      message: 'not a refresh token',
    });
    expect(() => tokens.verify(refresh.token)).toThrow('not an access token');
  });

  it('are signed with their own key: relabelling the purpose byte breaks the signature', async () => {
    const { tokens } = await fixture();
    const { access, refresh } = tokens.issuePair('alice');
    const relabel = (token: string, purpose: number) => {
      const bytes = Buffer.from(token.slice('nta1.'.length), 'base64url');
      bytes[1] = purpose;
      return `nta1.${bytes.toString('base64url')}`;
    };
    expect(() => tokens.verify(relabel(refresh.token, 0x01))).toThrow(
      expect.objectContaining({ code: 'invalid_signature' }),
    );
    await expect(tokens.refresh(relabel(access.token, 0x02))).rejects.toMatchObject({ code: 'invalid_signature' });
  });

  it('rotate: a new pair in the same session, carrying subject and claims', async () => {
    const { tokens, advance } = await fixture();
    const login = tokens.issuePair('alice', { claims: { roles: ['admin'] } });
    advance(60_000);
    const next = await tokens.refresh(login.refresh.token);
    expect(next.access.claims).toMatchObject({
      sub: 'alice',
      sid: login.access.claims.sid,
      claims: { roles: ['admin'] },
    });
    expect(next.refresh.claims.sid).toBe(login.access.claims.sid);
    expect(next.refresh.claims.jti).not.toBe(login.refresh.claims.jti);
    expect(tokens.verify(next.access.token).sub).toBe('alice');
    const renamed = await tokens.refresh(next.refresh.token, { claims: { roles: [] } });
    // The app's claims are replaced; the login time the library carries (auth_time, whole seconds) stays.
    expect(renamed.access.claims.claims).toEqual({ roles: [], auth_time: T0 / 1000 });
  });

  it('reused after its successor was used: the whole family is revoked, and the log names the session', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { tokens, advance } = await fixture();
    const login = tokens.issuePair('alice');
    advance(1000);
    const first = await tokens.refresh(login.refresh.token);
    advance(1000);
    const second = await tokens.refresh(first.refresh.token);
    await expect(tokens.refresh(login.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    for (const token of [login.access.token, first.access.token, second.access.token]) {
      expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    }
    await expect(tokens.refresh(second.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`revoking session ${login.access.claims.sid}`));
    warn.mockRestore();
    expect(tokens.verify(tokens.issuePair('alice').access.token).sub).toBe('alice');
  });

  it('used twice at the same moment (two tabs): both get the same pair, byte for byte, and one chain goes on', async () => {
    const { tokens } = await fixture();
    const login = tokens.issuePair('alice');
    const [a, b] = await Promise.all([tokens.refresh(login.refresh.token), tokens.refresh(login.refresh.token)]);
    expect(b.access.token).toBe(a.access.token);
    expect(b.refresh.token).toBe(a.refresh.token);
    expect(a.access.claims.sid).toBe(login.access.claims.sid);
    expect((await tokens.refresh(b.refresh.token)).access.claims.sub).toBe('alice');
  });

  it('presented again within the replay window (a retry after a lost answer): the same successor while it is unused', async () => {
    const { tokens, advance } = await fixture();
    const login = tokens.issuePair('alice');
    const first = await tokens.refresh(login.refresh.token);
    advance(29_000);
    const retried = await tokens.refresh(login.refresh.token);
    expect(retried.refresh.token).toBe(first.refresh.token);
    expect(retried.access.token).toBe(first.access.token);
    // The replay's times are those of the first use: nothing it yields outlives the legitimate chain.
    expect(retried.refresh.expiresAt).toEqual(first.refresh.expiresAt);
    expect((await tokens.refresh(retried.refresh.token)).access.claims.sub).toBe('alice');
    await expect(tokens.refresh(login.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
  });

  it('presented again after the replay window: reuse, and the whole session is revoked', async () => {
    const { tokens, advance } = await fixture();
    const login = tokens.issuePair('alice');
    const first = await tokens.refresh(login.refresh.token);
    advance(31_000);
    await expect(tokens.refresh(login.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    // The successor was never used, yet the session ends: a spent token is no credential once its window passed.
    await expect(tokens.refresh(first.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    expect(() => tokens.verify(first.access.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
  });

  it('replayed 3 000 times after the owner refreshed: never a second chain, and the session dies at the first divergence', async () => {
    const { tokens, store, advance } = await fixture();
    const login = tokens.issuePair('victim');
    advance(1000);
    const victim = await tokens.refresh(login.refresh.token);
    const stolen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      advance(2);
      stolen.add((await tokens.refresh(login.refresh.token)).refresh.token);
    }
    expect([...stolen]).toEqual([victim.refresh.token]);
    expect(store.health().sessionRecords).toBe(1);
    advance(1000);
    const next = await tokens.refresh(victim.refresh.token);
    await expect(tokens.refresh(login.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    expect(() => tokens.verify(next.access.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    await expect(tokens.refresh(next.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
  });

  it('replayed with other claims: the same ids and times, carrying the claims of the call', async () => {
    const { tokens, advance } = await fixture();
    const login = tokens.issuePair('alice', { claims: { roles: ['admin'] } });
    const first = await tokens.refresh(login.refresh.token);
    advance(500);
    const again = await tokens.refresh(login.refresh.token, { claims: { roles: [] } });
    expect(again.refresh.claims).toMatchObject({
      jti: first.refresh.claims.jti,
      issuedAt: first.refresh.claims.issuedAt,
    });
    expect(again.access.claims).toMatchObject({ jti: first.access.claims.jti, claims: { roles: [] } });
  });

  it('keep one record per session, however many refreshes it has done', async () => {
    const { tokens, store, advance } = await fixture();
    let pair = tokens.issuePair('alice');
    advance(1);
    pair = await tokens.refresh(pair.refresh.token);
    const afterOne = store.footprint;
    for (let i = 0; i < 1000; i++) {
      advance(1);
      pair = await tokens.refresh(pair.refresh.token);
    }
    expect(store.health().sessionRecords).toBe(1);
    expect(store.footprint).toBe(afterOne);
  });

  it('expire after refreshTokenTtl, and their session record is dropped with them', async () => {
    const { tokens, store, advance } = await fixture({ refreshTokenTtl: 3600, clockTolerance: 0 });
    const login = tokens.issuePair('alice');
    const next = await tokens.refresh(login.refresh.token);
    expect(store.health().sessionRecords).toBe(1);
    advance(3_600_001);
    store.sweep();
    expect(store.health().sessionRecords).toBe(0);
    expect(store.footprint).toBe(0);
    await expect(tokens.refresh(next.refresh.token)).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('stop at maxSessionLifetime from the login, however often the session refreshed: session_expired', async () => {
    const { tokens, advance } = await fixture({ maxSessionLifetime: 3600, refreshTokenTtl: 1800 });
    let pair = tokens.issuePair('alice');
    for (let i = 0; i < 5; i++) {
      advance(700_000);
      pair = await tokens.refresh(pair.refresh.token);
    }
    // The last refresh token ends with the session.
    expect(pair.refresh.claims.expiresAt).toBe(T0 + 3_600_000);
    advance(100_001);
    await expect(tokens.refresh(pair.refresh.token)).rejects.toMatchObject({ code: 'session_expired' });
  });

  it('issued before the store was created (its records lost): session_reset, unless the store trusts them', async () => {
    const key = generateKey();
    const { tokens } = await fixture({ keyProvider: new StaticKeyProvider([key]) });
    const before = tokens.issuePair('alice');
    const restarted = await fixture({ keyProvider: new StaticKeyProvider([key]) }, T0 + 1000);
    await expect(restarted.tokens.refresh(before.refresh.token)).rejects.toMatchObject({ code: 'session_reset' });
    expect((await restarted.tokens.refresh(restarted.tokens.issuePair('alice').refresh.token)).access.claims.sub).toBe(
      'alice',
    );
    const trusting = await fixture(
      {
        keyProvider: new StaticKeyProvider([key]),
        revocationStore: new MemoryRevocationStore({ clock: () => T0 + 1000, onStoreReset: 'trust' }),
      },
      T0 + 1000,
    );
    expect((await trusting.tokens.refresh(before.refresh.token)).access.claims.sub).toBe('alice');
  });

  it('a memory store given an onStoreReset other than refuse or trust stops startup, as the Redis store does', () => {
    expect(() => new MemoryRevocationStore({ onStoreReset: 'Trust' as 'trust' })).toThrow(
      "onStoreReset must be 'refuse' or 'trust', got Trust",
    );
  });

  it('after a logout, the replica drops the session once its access tokens have expired; refresh stays refused', async () => {
    const { tokens, store, advance } = await fixture({ accessTokenTtl: 60, maxAccessTokenTtl: 60, clockTolerance: 0 });
    const login = tokens.issuePair('alice');
    const next = await tokens.refresh(login.refresh.token);
    await tokens.revokeSession(login.access.claims.sid);
    expect(store.health().sessions).toBe(1);
    advance(60_001);
    store.sweep();
    expect(store.health().sessions).toBe(0);
    await expect(tokens.refresh(next.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    await expect(tokens.refresh(login.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
  });

  it('are not touched by ordinary requests', async () => {
    const { tokens } = await fixture();
    const login = tokens.issuePair('alice');
    for (let i = 0; i < 10; i++) tokens.verify(login.access.token);
    expect(await tokens.revoke(login.access.token)).toEqual({ persisted: true });
    expect((await tokens.refresh(login.refresh.token)).access.claims.sub).toBe('alice');
  });
});

describe('options', () => {
  it.each<[TokenAuthTestingOptions, RegExp]>([
    [{ refreshTokenTtl: 100, maxRefreshTokenTtl: 50 }, /refreshTokenTtl \(100 s\) exceeds maxRefreshTokenTtl \(50 s\)/],
    [{ refreshTokenTtl: 0 }, /refreshTokenTtl must be at least 1 second/],
    [{ maxSessionLifetime: 0 }, /maxSessionLifetime must be at least 1 second/],
    [{ revocationStore: {} as never }, /revocationStore must implement RevocationStore/],
  ])('%j stops the module with a message that says what to fix', async (options, message) => {
    const compiling = Test.createTestingModule({
      imports: [TokenAuthModule.forTesting(options)],
    }).compile();
    await expect(compiling).rejects.toThrow(TokenAuthConfigError);
    await expect(compiling).rejects.toThrow(message);
  });

  it('defaults to a memory store, exposed under REVOCATION_STORE', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forTesting()],
    }).compile();
    modules.push(moduleRef);
    expect(moduleRef.get(REVOCATION_STORE)).toBeInstanceOf(MemoryRevocationStore);
    const tokens = moduleRef.get(TokenService);
    expect(tokens.issuePair('alice').refresh.expiresIn).toBe(14 * 86_400);
  });
});

/** A memory store whose writes are enforced here but, like a shared store that did not answer in time, unconfirmed. */
class UnconfirmedStore extends MemoryRevocationStore {
  override async revokeToken(jti: string, expiresAt: number) {
    return { ...(await super.revokeToken(jti, expiresAt)), persisted: false };
  }
  override async revokeSession(...args: Parameters<MemoryRevocationStore['revokeSession']>) {
    return { ...(await super.revokeSession(...args)), persisted: false };
  }
  override async revokeUser(...args: Parameters<MemoryRevocationStore['revokeUser']>) {
    return { ...(await super.revokeUser(...args)), persisted: false };
  }
}

describe('a revocation the shared store did not confirm', () => {
  /** The module's clock and an unconfirming store on it. */
  const unconfirmed = () => {
    const clock = new ManualClock(T0);
    return { clock, revocationStore: new UnconfirmedStore({ clock: clock.now }) };
  };

  it('resolves { persisted: false } by default (202), enforced on this instance', async () => {
    const { tokens } = await fixture(unconfirmed());
    const login = tokens.issuePair('alice');
    expect(await tokens.revokeSession(login.access.claims.sid)).toEqual({ persisted: false });
    expect(() => tokens.verify(login.access.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
  });

  it('with requirePersistedRevocations, is revocation_unavailable (503) for the client to retry, and still enforced here', async () => {
    const { tokens } = await fixture({ ...unconfirmed(), requirePersistedRevocations: true });
    const [first, second, third] = [tokens.issuePair('alice'), tokens.issuePair('bob'), tokens.issuePair('carol')];
    await expect(tokens.revokeSession(first.access.claims.sid)).rejects.toMatchObject({
      code: 'revocation_unavailable',
    });
    await expect(tokens.revoke(second.access.token)).rejects.toMatchObject({ code: 'revocation_unavailable' });
    await expect(tokens.revokeAllForUser('carol')).rejects.toMatchObject({ code: 'revocation_unavailable' });
    for (const pair of [first, second, third]) {
      expect(() => tokens.verify(pair.access.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    }
  });

  it('a reuse still answers revoked_token: the store already refused the session for refresh', async () => {
    const options = unconfirmed();
    const { tokens } = await fixture({ ...options, requirePersistedRevocations: true });
    const advance = (ms: number) => options.clock.advance(ms);
    const login = tokens.issuePair('alice');
    await tokens.refresh(login.refresh.token);
    advance(31_000);
    await expect(tokens.refresh(login.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
  });
});
