import { beforeEach, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { attenuate } from '../client/attenuate.js';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { TokenAuthCounters } from '../events/token-auth-counters.js';
import { TokenAuthModule } from '../token-auth.module.js';
import { ManualClock } from '../testing/manual-clock.js';
import { TokenService } from '../token.service.js';
import type { VerificationFacts } from './attenuated-tokens.js';

const GET_NOTE: VerificationFacts = { method: 'GET', path: '/notes/5' };
const share = [
  { type: 'methods', methods: ['GET', 'HEAD'] },
  { type: 'path', prefix: '/notes/5' },
] as const;

async function service(options: { audience?: string; verifyCache?: false } = {}) {
  const moduleRef = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting(options)] }).compile();
  return {
    tokens: moduleRef.get(TokenService),
    clock: moduleRef.get(ManualClock),
    counters: moduleRef.get(TokenAuthCounters),
  };
}

function codeOf(verify: () => unknown): string | undefined {
  try {
    verify();
  } catch (error) {
    if (error instanceof TokenAuthError) return error.code;
    throw error;
  }
  return undefined;
}

describe('TokenService.verify of attenuated tokens', () => {
  let tokens: TokenService;
  let clock: ManualClock;

  beforeEach(async () => {
    ({ tokens, clock } = await service({ audience: 'notes-api' }));
  });

  it('accepts a child where its caveats are met, with its parent’s claims and its caveats', async () => {
    const parent = tokens.issue('user-42', { claims: { roles: ['user'] } });
    const child = await attenuate(parent.token, [...share, { type: 'expires', at: clock.now() + 60_000 }]);
    const claims = tokens.verify(child, GET_NOTE);
    expect(claims).toMatchObject({
      sub: 'user-42',
      jti: parent.claims.jti,
      sid: parent.claims.sid,
      claims: { roles: ['user'] },
      expiresAt: clock.now() + 60_000,
      caveats: { methods: ['GET', 'HEAD'], pathPrefix: '/notes/5', once: [] },
    });
    expect(Object.isFrozen(claims)).toBe(true);
    expect(tokens.verify(parent.token).caveats).toBeUndefined();
  });

  it('refuses a request a caveat does not allow, and a caveat without the fact it needs', async () => {
    const child = await attenuate(tokens.issue('user-42').token, share);
    expect(codeOf(() => tokens.verify(child, { method: 'POST', path: '/notes/5' }))).toBe('caveat_unmet');
    expect(codeOf(() => tokens.verify(child, { method: 'GET', path: '/notes' }))).toBe('caveat_unmet');
    expect(codeOf(() => tokens.verify(child, { method: 'GET', path: '/notes/5/../6' }))).toBe('caveat_unmet');
    expect(codeOf(() => tokens.verify(child, { method: 'GET', path: '/notes/5%2F..%2F6' }))).toBe('caveat_unmet');
    expect(codeOf(() => tokens.verify(child))).toBe('caveat_unmet');
    // An expiry needs no request fact.
    const expiring = await attenuate(tokens.issue('user-42').token, [{ type: 'expires', at: clock.now() + 1000 }]);
    expect(codeOf(() => tokens.verify(expiring))).toBeUndefined();
  });

  it('checks the caveats on every use, the cached ones too', async () => {
    const child = await attenuate(tokens.issue('user-42').token, share);
    for (let i = 0; i < 3; i++) expect(codeOf(() => tokens.verify(child, GET_NOTE))).toBeUndefined();
    expect(codeOf(() => tokens.verify(child, { method: 'DELETE', path: '/notes/5' }))).toBe('caveat_unmet');
    expect(codeOf(() => tokens.verify(child))).toBe('caveat_unmet');
  });

  it('refuses, once its text is cached, every request outside its caveats, however the path is spelt', async () => {
    const { tokens: cachedTokens, counters } = await service({ audience: 'notes-api' });
    const child = await attenuate(cachedTokens.issue('user-42').token, share);
    // The second verification caches it; from the third on, it is answered from the cache.
    for (let i = 0; i < 3; i++) expect(codeOf(() => cachedTokens.verify(child, GET_NOTE))).toBeUndefined();
    const hits = counters.cacheHits;
    expect(hits).toBeGreaterThan(0);
    for (const path of ['/notes/5', '/notes/5/', '/notes/5/comments', '/notes/5?x=/../6', '/notes/5/a%20b']) {
      expect([path, codeOf(() => cachedTokens.verify(child, { method: 'HEAD', path }))]).toEqual([path, undefined]);
    }
    for (const path of [
      '/notes/6',
      '/notes/50',
      '/notes',
      '/notes/5/../6',
      '/notes/5/%2e%2e/6',
      '/notes/5%2F..%2F6',
      '/notes/5%2f..%2f6',
      '/notes/5/..%2F6',
      '/notes/5\\..\\6',
      '/notes//5',
      '//notes/5',
      '/./notes/5',
      'notes/5',
      '',
    ]) {
      expect([path, codeOf(() => cachedTokens.verify(child, { method: 'GET', path }))]).toEqual([path, 'caveat_unmet']);
    }
    for (const method of ['POST', 'DELETE', 'get', 'TRACE', undefined]) {
      const facts = { method, path: '/notes/5' } as VerificationFacts;
      expect([method, codeOf(() => cachedTokens.verify(child, facts))]).toEqual([method, 'caveat_unmet']);
    }
    expect(codeOf(() => cachedTokens.verify(child, { method: 'GET' }))).toBe('caveat_unmet');
    expect(codeOf(() => cachedTokens.verify(child))).toBe('caveat_unmet');
    // All of these were cache hits: the checks kept with the entry refused them.
    expect(counters.cacheHits).toBe(hits + 5 + 14 + 5 + 2);
  });

  it('keeps a one-time token’s rule on the cached path: accepted only where its use is spent', async () => {
    const { tokens: cachedTokens, counters } = await service();
    const child = await attenuate(cachedTokens.issue('user-42').token, [...share, { type: 'once' }]);
    const spent = { ...GET_NOTE, spendsOnce: true };
    for (let i = 0; i < 3; i++) expect(codeOf(() => cachedTokens.verify(child, spent))).toBeUndefined();
    const hits = counters.cacheHits;
    expect(codeOf(() => cachedTokens.verify(child, GET_NOTE))).toBe('caveat_unmet');
    expect(counters.cacheHits).toBe(hits + 1);
  });

  it('is revoked with its parent token, session or user', async () => {
    for (const revoke of [
      (p: { token: string }) => tokens.revoke(p.token),
      (p: { claims: { sid: string } }) => tokens.revokeSession(p.claims.sid),
      () => tokens.revokeAllForUser('user-42'),
    ]) {
      clock.advance(1);
      const parent = tokens.issue('user-42');
      const child = await attenuate(parent.token, share);
      expect(codeOf(() => tokens.verify(child, GET_NOTE))).toBeUndefined();
      await revoke(parent);
      expect(codeOf(() => tokens.verify(child, GET_NOTE))).toBe('revoked_token');
    }
  });

  it('expires at its expires caveat, with the clock tolerance, and never after its parent', async () => {
    const parent = tokens.issue('user-42', { ttl: 600 });
    const soon = await attenuate(parent.token, [{ type: 'expires', at: clock.now() + 60_000 }]);
    const late = await attenuate(parent.token, [{ type: 'expires', at: clock.now() + 3_600_000 }]);
    expect(tokens.verify(late).expiresAt).toBe(parent.claims.expiresAt);
    clock.advance(60_000 + 30_000);
    expect(codeOf(() => tokens.verify(soon))).toBeUndefined();
    clock.advance(1);
    expect(codeOf(() => tokens.verify(soon))).toBe('token_expired');
    clock.advance(600_000);
    expect(codeOf(() => tokens.verify(late))).toBe('token_expired');
    const before = await attenuate(parent.token, [{ type: 'expires', at: parent.claims.issuedAt }]);
    expect(codeOf(() => tokens.verify(before))).toBe('token_expired');
  });

  it('meets an audience caveat only in the service of that name', async () => {
    const child = await attenuate(tokens.issue('user-42').token, [{ type: 'audience', audience: 'notes-api' }]);
    expect(codeOf(() => tokens.verify(child))).toBeUndefined();
    const other = await service({ audience: 'billing' });
    const none = await service();
    for (const elsewhere of [other, none]) {
      const token = await attenuate(elsewhere.tokens.issue('user-42').token, [
        { type: 'audience', audience: 'notes-api' },
      ]);
      expect(codeOf(() => elsewhere.tokens.verify(token))).toBe('caveat_unmet');
    }
  });

  it('accepts a one-time token once, and only where its use is spent', async () => {
    const child = await attenuate(tokens.issue('user-42').token, [{ type: 'once' }]);
    expect(codeOf(() => tokens.verify(child, GET_NOTE))).toBe('caveat_unmet');
    const user = tokens.verify(child, { ...GET_NOTE, spendsOnce: true });
    await expect(tokens.spendOnce(user)).resolves.toBeUndefined();
    await expect(tokens.spendOnce(user)).rejects.toMatchObject({ code: 'revoked_token' });
    // Attenuating it again keeps its id: no new first use.
    const grandchild = await attenuate(child, [{ type: 'methods', methods: ['GET'] }]);
    const again = tokens.verify(grandchild, { ...GET_NOTE, spendsOnce: true });
    await expect(tokens.spendOnce(again)).rejects.toMatchObject({ code: 'revoked_token' });
  });

  it('refuses an attenuated refresh token, and is refused where refresh tokens are taken', async () => {
    const pair = tokens.issuePair('user-42');
    const forged = `nta1c.${Buffer.concat([
      Buffer.from(pair.refresh.token.slice(5), 'base64url').subarray(0, -32),
      Buffer.from([2, 2, 1]),
      Buffer.alloc(32),
    ]).toString('base64url')}`;
    expect(codeOf(() => tokens.verify(forged, GET_NOTE))).toBe('wrong_purpose');
    const child = await attenuate(pair.access.token, share);
    await expect(tokens.refresh(child)).rejects.toBeInstanceOf(TokenAuthError);
  });

  it('verifies the same without the verified-token cache', async () => {
    const uncached = await service({ verifyCache: false });
    const child = await attenuate(uncached.tokens.issue('user-42').token, share);
    for (let i = 0; i < 3; i++) expect(uncached.tokens.verify(child, GET_NOTE).caveats?.pathPrefix).toBe('/notes/5');
  });
});
