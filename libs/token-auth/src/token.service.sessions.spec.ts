import { afterEach, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { AUTH_TIME_CLAIM, authTimeOf } from './format/auth-time.js';
import { MemoryRevocationStore } from './revocation/memory.revocation-store.js';
import type { RevocationStore } from './revocation/revocation-store.interface.js';
import { ManualClock } from './testing/manual-clock.js';
import type { TokenAuthTestingOptions } from './testing/testing-module.js';
import { TokenAuthModule } from './token-auth.module.js';
import { TokenService } from './token.service.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const modules: TestingModule[] = [];

afterEach(async () => {
  await Promise.all(modules.splice(0).map((m) => m.close()));
});

async function fixture(options: TokenAuthTestingOptions = {}) {
  const clock = new ManualClock(T0);
  const store = new MemoryRevocationStore({ clock: clock.now });
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forTesting({ clock, revocationStore: store, ...options })],
  }).compile();
  await moduleRef.init();
  modules.push(moduleRef);
  return {
    tokens: moduleRef.get(TokenService),
    store,
    advance: (ms: number) => {
      clock.advance(ms);
      store.sweep();
    },
  };
}

describe('listSessions', () => {
  it("lists the user's live sessions with their device fields, the caller's marked current and first", async () => {
    const { tokens, advance } = await fixture();
    const laptop = tokens.issuePair('ada', { device: { userAgent: UA, label: 'Work laptop', ip: '203.0.113.77' } });
    advance(MINUTE);
    const phone = tokens.issuePair('ada', { device: { userAgent: 'PhoneApp/2.1' } });
    tokens.issuePair('grace', { device: { label: 'not ada' } });
    const sessions = await tokens.listSessions('ada', { currentSessionId: laptop.access.claims.sid });
    expect(sessions).toEqual([
      {
        id: laptop.access.claims.sid,
        createdAt: T0,
        lastActiveAt: T0,
        expiresAt: laptop.refresh.claims.expiresAt + 30_000,
        current: true,
        // The address is kept to its /24 unless sessionIp: 'full'.
        device: { userAgent: UA, label: 'Work laptop', ip: '203.0.113.0' },
      },
      {
        id: phone.access.claims.sid,
        createdAt: T0 + MINUTE,
        lastActiveAt: T0 + MINUTE,
        expiresAt: phone.refresh.claims.expiresAt + 30_000,
        current: false,
        device: { userAgent: 'PhoneApp/2.1' },
      },
    ]);
    expect(await tokens.listSessions('nobody')).toEqual([]);
  });

  it('keeps the full address with sessionIp: full', async () => {
    const { tokens } = await fixture({ sessionIp: 'full' });
    tokens.issuePair('ada', { device: { ip: '2001:db8:1:2::7' } });
    expect((await tokens.listSessions('ada'))[0]!.device.ip).toBe('2001:db8:1:2::7');
  });

  it('a refresh moves the last activity on and keeps one entry per session, however many refreshes', async () => {
    const { tokens, store, advance } = await fixture();
    let pair = tokens.issuePair('ada', { device: { label: 'laptop' } });
    const footprint = store.footprint;
    for (let i = 0; i < 50; i++) {
      advance(MINUTE);
      pair = await tokens.refresh(pair.refresh.token);
    }
    const [session] = await tokens.listSessions('ada');
    expect(session).toMatchObject({
      id: pair.access.claims.sid,
      createdAt: T0,
      lastActiveAt: T0 + 50 * MINUTE,
      expiresAt: pair.refresh.claims.expiresAt + 30_000,
      device: { label: 'laptop' },
    });
    expect(await tokens.listSessions('ada')).toHaveLength(1);
    // The session record and the index entry are updated in place: nothing is added per refresh.
    expect(store.footprint).toBeLessThanOrEqual(footprint + 2);
  });

  it('drops a session once its last refresh token expired, and a user with none at all', async () => {
    const { tokens, store, advance } = await fixture({ refreshTokenTtl: 3600 });
    const idle = tokens.issuePair('ada');
    advance(30 * MINUTE);
    let active = tokens.issuePair('ada');
    // The active one refreshes every half hour; the idle one never does.
    for (let i = 0; i < 3; i++) {
      advance(30 * MINUTE);
      active = await tokens.refresh(active.refresh.token);
    }
    const ids = (await tokens.listSessions('ada')).map((s) => s.id);
    expect(ids).toEqual([active.access.claims.sid]);
    expect(ids).not.toContain(idle.access.claims.sid);
    advance(2 * 3600_000);
    expect(await tokens.listSessions('ada')).toEqual([]);
    expect(store.footprint).toBe(0);
  });

  it('does not list a session past maxSessionLifetime, however recently refreshed', async () => {
    const { tokens, advance } = await fixture({ maxSessionLifetime: 3600, refreshTokenTtl: 3000 });
    let pair = tokens.issuePair('ada');
    advance(50 * MINUTE);
    pair = await tokens.refresh(pair.refresh.token);
    expect(await tokens.listSessions('ada')).toHaveLength(1);
    advance(11 * MINUTE);
    expect(await tokens.listSessions('ada')).toEqual([]);
    // Its last refresh token was cut to end with the session.
    await expect(tokens.refresh(pair.refresh.token)).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('startSession resolves once the store holds the session', async () => {
    const { tokens } = await fixture();
    const started = await tokens.startSession('ada', { device: { label: 'tablet' } });
    expect(started.persisted).toBe(true);
    expect(tokens.verify(started.access.token).sub).toBe('ada');
    expect((await tokens.listSessions('ada')).map((s) => s.id)).toEqual([started.access.claims.sid]);
  });

  it('a store without a session index: listing says what it needs, logins work as before', async () => {
    const memory = new MemoryRevocationStore();
    const bare: RevocationStore = {
      isRevoked: (token) => memory.isRevoked(token),
      revokeToken: (jti, at) => memory.revokeToken(jti, at),
      revokeSession: (sid, window) => memory.revokeSession(sid, window),
      revokeUser: (sub, before, window) => memory.revokeUser(sub, before, window),
      rotateSession: (rotation) => memory.rotateSession(rotation),
      health: () => memory.health(),
    };
    const { tokens } = await fixture({ revocationStore: bare });
    const pair = tokens.issuePair('ada', { device: { label: 'x' } });
    await expect(tokens.listSessions('ada')).rejects.toThrow(/keeps no session index/);
    expect(await tokens.revokeSession(pair.access.claims.sid, { subject: 'ada' })).toEqual({ persisted: true });
    memory.onModuleDestroy();
  });
});

describe('revoking sessions from the list', () => {
  it("revokeSession with the subject ends that device's tokens and drops it from the list", async () => {
    const { tokens } = await fixture();
    const laptop = tokens.issuePair('ada');
    const phone = tokens.issuePair('ada');
    const refreshed = await tokens.refresh(phone.refresh.token);
    expect(await tokens.revokeSession(phone.access.claims.sid, { subject: 'ada' })).toEqual({
      persisted: true,
      found: true,
    });
    for (const token of [phone.access.token, refreshed.access.token]) {
      expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    }
    await expect(tokens.refresh(refreshed.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    expect((await tokens.listSessions('ada')).map((s) => s.id)).toEqual([laptop.access.claims.sid]);
    expect(tokens.verify(laptop.access.token).sub).toBe('ada');
  });

  it("another user's session, an unknown, a malformed or an already revoked id: found false, nothing revoked", async () => {
    const { tokens } = await fixture();
    const ada = tokens.issuePair('ada');
    const grace = tokens.issuePair('grace');
    await tokens.revokeSession(ada.access.claims.sid, { subject: 'ada' });
    const notFound = { persisted: true, found: false };
    for (const id of [grace.access.claims.sid, 'A'.repeat(22), 'not-a-session-id', '', ada.access.claims.sid]) {
      expect(await tokens.revokeSession(id, { subject: 'ada' })).toEqual(notFound);
    }
    expect(tokens.verify(grace.access.token).sub).toBe('grace');
    expect(await tokens.listSessions('grace')).toHaveLength(1);
  });

  it('a logout given the verified claims leaves the list at once, with nothing asked of the store first', async () => {
    const { tokens, store } = await fixture();
    const laptop = tokens.issuePair('ada');
    const phone = tokens.issuePair('ada');
    let asked = 0;
    const forget = store.forgetSession.bind(store);
    store.forgetSession = (sub, sid) => (asked++, forget(sub, sid));
    const user = tokens.verify(phone.access.token);
    expect(await tokens.revokeSession(user)).toEqual({ persisted: true });
    expect(asked).toBe(0);
    expect(() => tokens.verify(phone.access.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    expect((await tokens.listSessions('ada')).map((s) => s.id)).toEqual([laptop.access.claims.sid]);
  });

  it('a logout given the subject leaves the list at once; without it the session is revoked all the same', async () => {
    const { tokens } = await fixture();
    const a = tokens.issuePair('ada');
    const b = tokens.issuePair('ada');
    await tokens.revokeSession(a.access.claims.sid, { subject: 'ada' });
    await tokens.revokeSession(b.access.claims.sid);
    expect(() => tokens.verify(b.access.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    // Revoked on this instance: not listed, though the store's entry waits for its expiry.
    expect(await tokens.listSessions('ada')).toEqual([]);
  });

  it('revokeOtherSessions ends every session of the user but the one kept, and no one else’s', async () => {
    const { tokens } = await fixture();
    const current = tokens.issuePair('ada');
    const others = [tokens.issuePair('ada'), tokens.issuePair('ada'), tokens.issuePair('ada')];
    const refreshed = await tokens.refresh(others[0]!.refresh.token);
    const grace = tokens.issuePair('grace');
    expect(await tokens.revokeOtherSessions('ada', current.access.claims.sid)).toEqual({ persisted: true, revoked: 3 });
    for (const pair of [...others, refreshed]) {
      expect(() => tokens.verify(pair.access.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    }
    await expect(tokens.refresh(refreshed.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    expect(tokens.verify(current.access.token).sub).toBe('ada');
    expect(tokens.verify(grace.access.token).sub).toBe('grace');
    expect((await tokens.listSessions('ada')).map((s) => s.id)).toEqual([current.access.claims.sid]);
    expect(await tokens.revokeOtherSessions('ada', current.access.claims.sid)).toEqual({ persisted: true, revoked: 0 });
  });

  it('revokeAllForUser empties the list; a login after it is listed', async () => {
    const { tokens, advance } = await fixture();
    tokens.issuePair('ada');
    tokens.issuePair('ada');
    await tokens.revokeAllForUser('ada');
    expect(await tokens.listSessions('ada')).toEqual([]);
    advance(1);
    const after = tokens.issuePair('ada');
    expect((await tokens.listSessions('ada')).map((s) => s.id)).toEqual([after.access.claims.sid]);
  });

  it('a detected reuse drops the session from the list', async () => {
    const { tokens, advance } = await fixture();
    const login = tokens.issuePair('ada');
    const next = await tokens.refresh(login.refresh.token);
    await tokens.refresh(next.refresh.token);
    advance(MINUTE);
    await expect(tokens.refresh(login.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    expect(await tokens.listSessions('ada')).toEqual([]);
  });
});

describe('auth_time: the login time, through every refresh', () => {
  it("a login's tokens carry none (their iat is the login); refreshed ones carry it, unchanged", async () => {
    const { tokens, advance } = await fixture();
    let pair = tokens.issuePair('ada', { claims: { roles: ['admin'] } });
    expect(pair.access.claims.claims).toEqual({ roles: ['admin'] });
    expect(authTimeOf(tokens.verify(pair.access.token))).toBe(T0);
    for (let i = 1; i <= 5; i++) {
      advance(10 * MINUTE);
      pair = await tokens.refresh(pair.refresh.token);
      const verified = tokens.verify(pair.access.token);
      expect(verified.issuedAt).toBe(T0 + i * 10 * MINUTE);
      expect(verified.claims).toEqual({ roles: ['admin'], [AUTH_TIME_CLAIM]: T0 / 1000 });
      expect(authTimeOf(verified)).toBe(T0);
    }
    // Other claims on refresh replace the app's claims, never the login time.
    pair = await tokens.refresh(pair.refresh.token, { claims: { roles: [] } });
    expect(authTimeOf(pair.access.claims)).toBe(T0);
  });

  it('is whole seconds: a login at a fractional second reads as the second before', async () => {
    const { tokens, advance } = await fixture();
    advance(999);
    const login = tokens.issuePair('ada');
    const next = await tokens.refresh(login.refresh.token);
    expect(authTimeOf(next.access.claims)).toBe(T0);
  });

  it('app claims may not set auth_time', async () => {
    const { tokens } = await fixture();
    const pair = tokens.issuePair('ada');
    expect(() => tokens.issuePair('ada', { claims: { auth_time: 1 } })).toThrow(/auth_time is set by the library/);
    expect(() => tokens.issue('ada', { claims: { auth_time: 1 } })).toThrow(TypeError);
    await expect(tokens.refresh(pair.refresh.token, { claims: { auth_time: 1 } })).rejects.toThrow(TypeError);
  });

  it('a token issued to continue a session carries the login time given, or 0 (never fresh)', async () => {
    const { tokens, advance } = await fixture();
    const login = tokens.issuePair('ada');
    advance(MINUTE);
    const sessionId = login.access.claims.sid;
    expect(authTimeOf(tokens.issue('ada', { sessionId, authTime: T0 }).claims)).toBe(T0);
    expect(authTimeOf(tokens.issue('ada', { sessionId }).claims)).toBe(0);
    expect(authTimeOf(tokens.issue('ada').claims)).toBe(T0 + MINUTE);
  });

  it('assertFreshLogin: within the age, or insufficient_user_authentication with max_age', async () => {
    const { tokens, advance } = await fixture();
    let pair = tokens.issuePair('ada');
    advance(4 * MINUTE);
    pair = await tokens.refresh(pair.refresh.token);
    expect(() => tokens.assertFreshLogin(tokens.verify(pair.access.token), 300)).not.toThrow();
    advance(MINUTE + 1);
    pair = await tokens.refresh(pair.refresh.token);
    // The token was issued this instant, but its login was 5 minutes and 1 ms ago.
    expect(() => tokens.assertFreshLogin(tokens.verify(pair.access.token), 300)).toThrow(
      expect.objectContaining({ code: 'insufficient_user_authentication', maxAge: 300 }),
    );
    expect(() => tokens.assertFreshLogin(tokens.verify(pair.access.token), 400)).not.toThrow();
    expect(() => tokens.assertFreshLogin(tokens.issuePair('ada').access.claims, 0)).not.toThrow();
  });

  it('a malformed auth_time reads as 0: never fresh', () => {
    const claims = (value: unknown) => ({ issuedAt: T0, claims: { [AUTH_TIME_CLAIM]: value } });
    for (const value of ['1700000000', -1, 1.5, null, Number.MAX_VALUE]) expect(authTimeOf(claims(value))).toBe(0);
    expect(authTimeOf(claims(1_699_999_000))).toBe(1_699_999_000_000);
  });
});

describe('device fields at login', () => {
  it('are cleaned and capped before the store sees them', async () => {
    const { tokens } = await fixture();
    tokens.issuePair('ada', {
      device: {
        userAgent: `  Evil\r\nSet-Cookie: x=1\u0000\u202e${'x'.repeat(400)}  `,
        label: '<script>alert(1)</script>\ud800',
        ip: '::ffff:198.51.100.9',
      },
    });
    const [session] = await tokens.listSessions('ada');
    const device = session!.device;
    expect(device.userAgent).toMatch(/^Evil Set-Cookie: x=1 x+$/);
    expect(Buffer.byteLength(device.userAgent!, 'utf8')).toBe(256);
    // Text, stored as given but for the lone surrogate: escaping is the page's job.
    expect(device.label).toBe('<script>alert(1)</script>\ufffd');
    expect(device.ip).toBe('198.51.100.0');
  });

  it('are refused with a clear error when they are not device fields, and nothing is issued', async () => {
    const { tokens } = await fixture();
    expect(() => tokens.issuePair('ada', { device: { ua: 'x' } as never })).toThrow(/device.ua is not a device field/);
    expect(() => tokens.issuePair('ada', { device: { userAgent: 42 } as never })).toThrow(/must be a string/);
    expect(() => tokens.issuePair('ada', { device: { ip: 'localhost' } })).toThrow(/IPv4 or IPv6/);
    expect(await tokens.listSessions('ada')).toEqual([]);
  });
});
