import { afterEach, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  MemoryRevocationStore,
  REVOCATION_STORE,
  StaticKeyProvider,
  TokenAuthConfigError,
  TokenAuthModule,
  TokenService,
  generateKey,
  type TokenAuthModuleOptions,
} from 'nestjs-token-auth';
import { asyncCodeOf, codeOf } from '../support/error-code.js';

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

async function fixture(options: Partial<TokenAuthModuleOptions> = {}): Promise<Fixture> {
  let now = T0;
  const clock = () => now;
  const store = new MemoryRevocationStore({ clock });
  const moduleRef = await Test.createTestingModule({
    imports: [
      TokenAuthModule.forRoot({
        keyProvider: new StaticKeyProvider([generateKey()]),
        clock,
        revocationStore: store,
        ...options,
      }),
    ],
  }).compile();
  await moduleRef.init();
  modules.push(moduleRef);
  return { tokens: moduleRef.get(TokenService), store, advance: (ms) => (now += ms) };
}

describe('revoking one token', () => {
  it('rejects that token and no other', async () => {
    const { tokens } = await fixture();
    const a = tokens.issue('alice');
    const b = tokens.issue('alice');
    expect(await tokens.revoke(a.token)).toEqual({ persisted: true });
    expect(codeOf(() => tokens.verify(a.token))).toBe('revoked_token');
    expect(tokens.verify(b.token).jti).toBe(b.claims.jti);
  });

  it('accepts verified claims instead of the token', async () => {
    const { tokens } = await fixture();
    const a = tokens.issue('alice');
    await tokens.revoke(tokens.verify(a.token));
    expect(codeOf(() => tokens.verify(a.token))).toBe('revoked_token');
  });

  it('revokes a refresh token given as a string, so it can no longer refresh', async () => {
    const { tokens } = await fixture();
    const pair = tokens.issuePair('alice');
    await tokens.revoke(pair.refresh.token);
    expect(await asyncCodeOf(tokens.refresh(pair.refresh.token))).toBe('revoked_token');
    expect(tokens.verify(pair.access.token).sub).toBe('alice');
  });

  it('refuses to revoke a forged token and does nothing for an expired one', async () => {
    const { tokens, store, advance } = await fixture({ accessTokenTtl: 60, clockTolerance: 0 });
    const { token } = tokens.issue('alice');
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await asyncCodeOf(tokens.revoke(forged))).toBe('invalid_signature');
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
    expect(codeOf(() => tokens.verify(token))).toBe('revoked_token');
    advance(1);
    store.sweep();
    expect(store.health().tokens).toBe(0);
    expect(store.footprint).toBe(0);
    expect(codeOf(() => tokens.verify(token))).toBe('token_expired');
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
    expect(codeOf(() => tokens.verify(old.access.token))).toBe('revoked_token');
    expect(codeOf(() => tokens.verify(sameMillisecond.token))).toBe('revoked_token');
    expect(await asyncCodeOf(tokens.refresh(old.refresh.token))).toBe('revoked_token');
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
    expect(codeOf(() => tokens.verify(between.token))).toBe('revoked_token');
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
      expect(codeOf(() => tokens.verify(token))).toBe('revoked_token');
    }
    expect(await asyncCodeOf(tokens.refresh(next.refresh.token))).toBe('revoked_token');
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
    expect(codeOf(() => tokens.verify(refresh.token))).toBe('wrong_purpose');
    expect(await asyncCodeOf(tokens.refresh(access.token))).toBe('wrong_purpose');
  });

  it('are signed with their own key: relabelling the purpose byte breaks the signature', async () => {
    const { tokens } = await fixture();
    const { access, refresh } = tokens.issuePair('alice');
    const relabel = (token: string, purpose: number) => {
      const bytes = Buffer.from(token.slice('nta1.'.length), 'base64url');
      bytes[1] = purpose;
      return `nta1.${bytes.toString('base64url')}`;
    };
    expect(codeOf(() => tokens.verify(relabel(refresh.token, 0x01)))).toBe('invalid_signature');
    expect(await asyncCodeOf(tokens.refresh(relabel(access.token, 0x02)))).toBe('invalid_signature');
  });

  it('rotate: a new pair in the same session, carrying subject and claims', async () => {
    const { tokens, advance } = await fixture();
    const login = tokens.issuePair('alice', { claims: { roles: ['admin'] } });
    advance(60_000);
    const next = await tokens.refresh(login.refresh.token);
    expect(next.access.claims).toMatchObject({ sub: 'alice', sid: login.access.claims.sid, claims: { roles: ['admin'] } });
    expect(next.refresh.claims.sid).toBe(login.access.claims.sid);
    expect(next.refresh.claims.jti).not.toBe(login.refresh.claims.jti);
    expect(tokens.verify(next.access.token).sub).toBe('alice');
    const renamed = await tokens.refresh(next.refresh.token, { claims: { roles: [] } });
    expect(renamed.access.claims.claims).toEqual({ roles: [] });
  });

  it('reused after the grace window: the whole family is revoked', async () => {
    const { tokens, advance } = await fixture({ refreshReuseGrace: 10 });
    const login = tokens.issuePair('alice');
    const first = await tokens.refresh(login.refresh.token);
    const second = await tokens.refresh(first.refresh.token);
    advance(10_001);
    expect(await asyncCodeOf(tokens.refresh(login.refresh.token))).toBe('revoked_token');
    for (const token of [login.access.token, first.access.token, second.access.token]) {
      expect(codeOf(() => tokens.verify(token))).toBe('revoked_token');
    }
    expect(await asyncCodeOf(tokens.refresh(second.refresh.token))).toBe('revoked_token');
    expect(tokens.verify(tokens.issuePair('alice').access.token).sub).toBe('alice');
  });

  it('used twice at the same moment (two tabs): both succeed within the grace window', async () => {
    const { tokens, advance } = await fixture({ refreshReuseGrace: 10 });
    const login = tokens.issuePair('alice');
    const [a, b] = await Promise.all([tokens.refresh(login.refresh.token), tokens.refresh(login.refresh.token)]);
    advance(10_000);
    const c = await tokens.refresh(login.refresh.token);
    for (const pair of [a, b, c]) {
      expect(pair.access.claims.sid).toBe(login.access.claims.sid);
      expect(tokens.verify(pair.access.token).sub).toBe('alice');
    }
    expect(new Set([a, b, c].map((pair) => pair.refresh.claims.jti)).size).toBe(3);
    expect((await tokens.refresh(b.refresh.token)).access.claims.sub).toBe('alice');
  });

  it('with no grace window, the second of two concurrent refreshes revokes the session', async () => {
    const { tokens } = await fixture({ refreshReuseGrace: 0 });
    const login = tokens.issuePair('alice');
    const [a, b] = await Promise.allSettled([tokens.refresh(login.refresh.token), tokens.refresh(login.refresh.token)]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    expect((b as PromiseRejectedResult).reason).toMatchObject({ code: 'revoked_token' });
    expect(codeOf(() => tokens.verify((a as PromiseFulfilledResult<{ access: { token: string } }>).value.access.token))).toBe(
      'revoked_token',
    );
  });

  it('expire after refreshTokenTtl, and their used-state is dropped with them', async () => {
    const { tokens, store, advance } = await fixture({ refreshTokenTtl: 3600, clockTolerance: 0 });
    const login = tokens.issuePair('alice');
    await tokens.refresh(login.refresh.token);
    expect(store.health().usedRefreshTokens).toBe(1);
    advance(3_600_001);
    store.sweep();
    expect(store.health().usedRefreshTokens).toBe(0);
    expect(await asyncCodeOf(tokens.refresh(login.refresh.token))).toBe('token_expired');
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
  it.each<[Partial<TokenAuthModuleOptions>, RegExp]>([
    [{ refreshTokenTtl: 100, maxRefreshTokenTtl: 50 }, /refreshTokenTtl \(100 s\) exceeds maxRefreshTokenTtl \(50 s\)/],
    [{ refreshTokenTtl: 0 }, /refreshTokenTtl must be at least 1 second/],
    [{ refreshReuseGrace: 61 }, /refreshReuseGrace \(61 s\) is over 60 s/],
    [{ refreshReuseGrace: 1.5 }, /refreshReuseGrace must be a whole number of seconds/],
    [{ revocationStore: {} as never }, /revocationStore must implement RevocationStore/],
  ])('%j stops the module with a message that says what to fix', async (options, message) => {
    const compiling = Test.createTestingModule({
      imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([generateKey()]), ...options })],
    }).compile();
    await expect(compiling).rejects.toThrow(TokenAuthConfigError);
    await expect(compiling).rejects.toThrow(message);
  });

  it('defaults to a memory store, exposed under REVOCATION_STORE', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([generateKey()]) })],
    }).compile();
    modules.push(moduleRef);
    expect(moduleRef.get(REVOCATION_STORE)).toBeInstanceOf(MemoryRevocationStore);
    const tokens = moduleRef.get(TokenService);
    expect(tokens.issuePair('alice').refresh.expiresIn).toBe(14 * 86_400);
  });
});
