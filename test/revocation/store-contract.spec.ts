import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  MemoryRevocationStore,
  type RevocationCheck,
  type RevocationStore,
  type RevocationWindow,
  type RotationOutcome,
  type SessionRotation,
} from 'nestjs-token-auth';
import { RedisServer } from '../support/redis-server.js';
import { eventually } from '../support/eventually.js';
import { RedisStores } from './support/redis-stores.js';

/**
 * The RevocationStore contract: the same cases against the memory store (the rotation rule in TypeScript,
 * revocation/rotation-rule.ts) and the Redis store (the same rule as a Lua script, revocation/redis/redis-scripts.ts,
 * on a real redis-server started here on a free port). Both run on the real clock; expiry is real, and short.
 * What only one store does (sharing across instances, Redis keys and TTLs, outages) stays in its own suites.
 */

type OnStoreReset = 'refuse' | 'trust';

interface StoreUnderTest {
  /** A started store, as the module starts it. */
  create(options?: { onStoreReset?: OnStoreReset }): Promise<RevocationStore>;
  /**
   * Everything the store held is lost: a memory store's process restarts (a new store), Redis restarts empty (the
   * same store, once it has reconnected and noticed). Resolves to the store to use afterwards.
   */
  loseData(store: RevocationStore, options?: { onStoreReset?: OnStoreReset }): Promise<RevocationStore>;
  /** Lets expired entries go: the memory store sweeps on demand; Redis expires keys and the replica sweeps itself. */
  sweep(store: RevocationStore): void;
  closeAll(): Promise<void>;
}

function memoryStores(): StoreUnderTest {
  const stores: MemoryRevocationStore[] = [];
  const create = async (options: { onStoreReset?: OnStoreReset } = {}) => {
    // A new store's data begins at its creation: tokens of the same millisecond would count as after it.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const store = new MemoryRevocationStore(options);
    stores.push(store);
    return store;
  };
  return {
    create,
    loseData: (_store, options) => create(options),
    sweep: (store) => (store as MemoryRevocationStore).sweep(),
    closeAll: async () => stores.splice(0).forEach((store) => store.onModuleDestroy()),
  };
}

function redisStores(server: () => RedisServer): StoreUnderTest {
  const stores = new RedisStores();
  return {
    create: (options = {}) => stores.on(server(), options),
    async loseData(store) {
      await server().restartEmpty();
      // Refresh is refused (revocation_unavailable) until the store has reconnected and checked the epoch.
      await eventually(async () => {
        try {
          await store.rotateSession(rotation({ sid: uniqueId('probe'), jti: id(), successorJti: id() }));
          return true;
        } catch {
          return false;
        }
      }, 'the store is back on the emptied Redis');
      return store;
    },
    sweep: () => undefined,
    closeAll: () => stores.closeAll(),
  };
}

/** A token or session id as tokens carry them: 16 random bytes, base64url. */
function id(): string {
  return randomBytes(16).toString('base64url');
}

/** A readable id no other test (nor an earlier run on the same Redis) uses. */
function uniqueId(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

function check(fields: Partial<RevocationCheck>): RevocationCheck {
  return { jti: id(), sid: uniqueId('sid'), sub: uniqueId('user'), issuedAt: Date.now(), ...fields };
}

function rotation(
  fields: Partial<SessionRotation> & Pick<SessionRotation, 'sid' | 'jti' | 'successorJti'>,
): SessionRotation {
  return { sub: 'user-none', issuedAt: Date.now(), recordTtlMs: 60_000, replayWindowMs: 30_000, ...fields };
}

/** The outcome of `operation`, and whether the store's stamp in it lies within the real clock's readings around it. */
async function stamped(operation: () => Promise<RotationOutcome>): Promise<RotationOutcome & { within: boolean }> {
  const before = Date.now();
  const outcome = await operation();
  const after = Date.now();
  // Redis's clock and this process's are the machine's; a millisecond either side for rounding.
  const usedAt = 'usedAt' in outcome ? outcome.usedAt : undefined;
  return { ...outcome, within: usedAt !== undefined && usedAt >= before - 1 && usedAt <= after + 1 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
});

afterAll(async () => {
  await server?.kill();
});

describe.each<[string, () => StoreUnderTest]>([
  ['MemoryRevocationStore', memoryStores],
  ['RedisRevocationStore', () => redisStores(() => server)],
])('%s: the RevocationStore contract', (_name, makeStores) => {
  const stores = makeStores();
  afterEach(() => stores.closeAll());

  /** A session of `sub` that logs in at `loginAt`: its login refresh token and the ids that follow. */
  function session(loginAt = Date.now(), sub = uniqueId('user')) {
    const sid = uniqueId('sid');
    const tokens = [id(), id(), id(), id()];
    /** Presents refresh token `index`, whose successor is token `index + 1`. */
    const present = (store: RevocationStore, index: number, fields: Partial<SessionRotation> = {}) =>
      store.rotateSession(
        rotation({ sid, sub, jti: tokens[index]!, successorJti: tokens[index + 1]!, issuedAt: loginAt, ...fields }),
      );
    return { sid, sub, loginAt, present };
  }

  const window = (until: number): RevocationWindow => ({ accessUntil: until, refreshUntil: until });

  describe('revocations', () => {
    it('revokeToken: that token id is revoked, persisted, and no other', async () => {
      const store = await stores.create();
      const jti = id();
      expect(await store.revokeToken(jti, Date.now() + 60_000)).toEqual({ persisted: true });
      expect(store.isRevoked(check({ jti }))).toBe(true);
      expect(store.isRevoked(check({}))).toBe(false);
    });

    it('revokeSession: every token of the session is revoked, and its refresh too, even never refreshed', async () => {
      const store = await stores.create();
      const login = session();
      const other = session();
      expect(await store.revokeSession(login.sid, window(Date.now() + 60_000))).toEqual({ persisted: true });
      expect(store.isRevoked(check({ sid: login.sid }))).toBe(true);
      expect(store.isRevoked(check({ sid: other.sid }))).toBe(false);
      expect(await login.present(store, 0)).toEqual({ kind: 'revoked' });
      expect(await other.present(store, 0)).toMatchObject({ kind: 'rotated' });
    });

    it('revokeSession after refreshes: no token of the session refreshes any more', async () => {
      const store = await stores.create();
      const s = session();
      await s.present(store, 0);
      await s.present(store, 1);
      await store.revokeSession(s.sid, window(Date.now() + 60_000));
      expect(await s.present(store, 2)).toEqual({ kind: 'revoked' });
      expect(await s.present(store, 1)).toEqual({ kind: 'revoked' });
    });

    it('revokeUser: tokens issued before the cut-off in force are revoked, from it on not, other users never', async () => {
      const store = await stores.create();
      const asked = Date.now();
      const sub = uniqueId('user');
      const result = await store.revokeUser(sub, asked, window(asked + 60_000));
      expect(result).toEqual({ persisted: true, issuedBefore: expect.any(Number) });
      const cutoff = result.issuedBefore!;
      expect(cutoff).toBeGreaterThanOrEqual(asked);
      expect(store.isRevoked(check({ sub, issuedAt: cutoff - 1 }))).toBe(true);
      expect(store.isRevoked(check({ sub, issuedAt: cutoff }))).toBe(false);
      expect(store.isRevoked(check({ issuedAt: cutoff - 1 }))).toBe(false);
    });

    it('revokeUser: refresh tokens issued before the cut-off are refused, from it on they rotate', async () => {
      const store = await stores.create();
      const before = session();
      await sleep(2);
      const asked = Date.now();
      const cutoff = (await store.revokeUser(before.sub, asked, window(asked + 60_000))).issuedBefore!;
      expect(await before.present(store, 0)).toEqual({ kind: 'revoked' });
      const after = rotation({
        sid: uniqueId('sid'),
        sub: before.sub,
        jti: id(),
        successorJti: id(),
        issuedAt: cutoff,
      });
      expect(await store.rotateSession(after)).toMatchObject({ kind: 'rotated' });
    });

    it('revokeUser covers every refresh the store stamped before it, however late the cut-off asked for', async () => {
      const store = await stores.create();
      const s = session();
      const rotated = await s.present(store, 0);
      // The revoking instance's clock reads 5 s behind: the store moves the cut-off past its own stamps.
      const result = await store.revokeUser(
        s.sub,
        rotated.kind === 'rotated' ? rotated.usedAt - 5000 : 0,
        window(Date.now() + 60_000),
      );
      expect(rotated.kind).toBe('rotated');
      if (rotated.kind !== 'rotated') return;
      expect(result.issuedBefore).toBeGreaterThan(rotated.usedAt);
      expect(store.isRevoked(check({ sub: s.sub, issuedAt: rotated.usedAt }))).toBe(true);
      expect(await s.present(store, 1, { issuedAt: rotated.usedAt })).toEqual({ kind: 'revoked' });
    });

    it('revokeUser twice: the later cut-off holds, whichever came last', async () => {
      const store = await stores.create();
      const now = Date.now();
      const sub = uniqueId('user');
      await store.revokeUser(sub, now + 1000, window(now + 60_000));
      await store.revokeUser(sub, now, window(now + 60_000));
      expect(store.isRevoked(check({ sub, issuedAt: now + 999 }))).toBe(true);
      expect(store.isRevoked(check({ sub, issuedAt: now + 1000 }))).toBe(false);
    });
  });

  describe('rotateSession', () => {
    it("rotated: the first use of the login token, dated now on the store's clock, the session starting at the login", async () => {
      const store = await stores.create();
      const s = session();
      await sleep(5);
      expect(await stamped(() => s.present(store, 0))).toEqual({
        kind: 'rotated',
        usedAt: expect.any(Number),
        startedAt: s.loginAt,
        within: true,
      });
    });

    it('rotated again: the successor is current and rotates in turn, the session keeping its start', async () => {
      const store = await stores.create();
      const s = session();
      await s.present(store, 0);
      await sleep(2);
      expect(await stamped(() => s.present(store, 1))).toMatchObject({
        kind: 'rotated',
        startedAt: s.loginAt,
        within: true,
      });
    });

    it('replayed: the token spent last, presented again within the window, answers its first use', async () => {
      const store = await stores.create();
      const s = session();
      const first = await s.present(store, 0, { replayWindowMs: 10_000 });
      expect(first.kind).toBe('rotated');
      for (let i = 0; i < 3; i++) {
        await sleep(5);
        expect(await s.present(store, 0, { replayWindowMs: 10_000 })).toEqual({
          kind: 'replayed',
          usedAt: (first as { usedAt: number }).usedAt,
          startedAt: s.loginAt,
        });
      }
    });

    it('never stamps a successor before the token it succeeds (one issued at a cut-off ahead of the clock)', async () => {
      const store = await stores.create();
      const ahead = Date.now() + 50;
      const s = session(ahead);
      expect(await s.present(store, 0)).toMatchObject({ kind: 'rotated', usedAt: ahead, startedAt: ahead });
    });

    it('reused: the token spent last, presented again after the window, stops the session', async () => {
      const store = await stores.create();
      const s = session();
      await s.present(store, 0, { replayWindowMs: 200 });
      await sleep(300);
      expect(await s.present(store, 0, { replayWindowMs: 200 })).toEqual({ kind: 'reused', startedAt: s.loginAt });
      expect(await s.present(store, 1)).toEqual({ kind: 'revoked' });
    });

    it('reused: with no replay window, the second use of a token is reuse at once', async () => {
      const store = await stores.create();
      const s = session();
      await s.present(store, 0, { replayWindowMs: 0 });
      expect(await s.present(store, 0, { replayWindowMs: 0 })).toEqual({ kind: 'reused', startedAt: s.loginAt });
    });

    it('reused: a token older than the last spent one stops the session; nothing of it refreshes after', async () => {
      const store = await stores.create();
      const s = session();
      await s.present(store, 0);
      await s.present(store, 1);
      expect(await s.present(store, 0)).toEqual({ kind: 'reused', startedAt: s.loginAt });
      expect(await s.present(store, 2)).toEqual({ kind: 'revoked' });
      expect(await s.present(store, 1)).toEqual({ kind: 'revoked' });
    });

    it('keeps sessions apart: one session reused leaves another rotating', async () => {
      const store = await stores.create();
      const a = session();
      const b = session();
      await a.present(store, 0);
      await a.present(store, 1);
      await a.present(store, 0);
      expect(await b.present(store, 0)).toMatchObject({ kind: 'rotated' });
    });
  });

  describe('after the store lost its data', () => {
    it('refuse (default): tokens issued before the loss answer reset, spent or not; later logins rotate', async () => {
      let store = await stores.create();
      const refreshed = session();
      const untouched = session();
      await refreshed.present(store, 0);
      await sleep(2);
      store = await stores.loseData(store);
      expect(await refreshed.present(store, 0)).toEqual({ kind: 'reset' });
      expect(await refreshed.present(store, 1)).toEqual({ kind: 'reset' });
      expect(await untouched.present(store, 0)).toEqual({ kind: 'reset' });
      await sleep(2);
      expect(await session().present(store, 0)).toMatchObject({ kind: 'rotated' });
    });

    it('trust: tokens issued before the loss rotate as if first used', async () => {
      let store = await stores.create({ onStoreReset: 'trust' });
      const refreshed = session();
      const untouched = session();
      await refreshed.present(store, 0);
      await sleep(2);
      store = await stores.loseData(store, { onStoreReset: 'trust' });
      expect(await refreshed.present(store, 1)).toMatchObject({ kind: 'rotated', startedAt: refreshed.loginAt });
      expect(await untouched.present(store, 0)).toMatchObject({ kind: 'rotated', startedAt: untouched.loginAt });
    });
  });

  describe('expiry', () => {
    it('a token revocation ends at its expiry', async () => {
      const store = await stores.create();
      const jti = id();
      await store.revokeToken(jti, Date.now() + 300);
      expect(store.isRevoked(check({ jti }))).toBe(true);
      await sleep(400);
      await eventually(() => {
        stores.sweep(store);
        return !store.isRevoked(check({ jti }));
      }, 'the revocation expires');
    });

    it('a session or user revocation ends for access tokens at accessUntil, and for refresh at refreshUntil', async () => {
      const store = await stores.create();
      const s = session();
      const user = session();
      // Another session of the same user, presented only once the cut-off has expired: a refresh refused for a
      // user's cut-off leaves no session record in the memory store but one in Redis (the script runs before the
      // cut-off is read), so the session refused above would answer replayed there. Both refuse it meanwhile.
      const sameUser = session(user.loginAt, user.sub);
      await sleep(2);
      const now = Date.now();
      await store.revokeSession(s.sid, { accessUntil: now + 300, refreshUntil: now + 2500 });
      await store.revokeUser(user.sub, now, { accessUntil: now + 300, refreshUntil: now + 2500 });
      await sleep(400);
      await eventually(() => {
        stores.sweep(store);
        return !store.isRevoked(check({ sid: s.sid })) && !store.isRevoked(check({ sub: user.sub, issuedAt: now - 1 }));
      }, 'the access-token revocations expire');
      expect(await s.present(store, 0)).toEqual({ kind: 'revoked' });
      expect(await user.present(store, 0)).toEqual({ kind: 'revoked' });
      await sleep(now + 2600 - Date.now());
      stores.sweep(store);
      expect(await s.present(store, 0)).toMatchObject({ kind: 'rotated' });
      expect(await sameUser.present(store, 0)).toMatchObject({ kind: 'rotated' });
    });

    it("a session's record is dropped at the expiry the rotation gave it", async () => {
      const store = await stores.create();
      const sid = uniqueId('sid');
      const jti = id();
      const now = Date.now();
      await store.rotateSession(rotation({ sid, jti, successorJti: id(), issuedAt: now, recordTtlMs: 300 }));
      expect(await store.rotateSession(rotation({ sid, jti, successorJti: id(), issuedAt: now }))).toMatchObject({
        kind: 'replayed',
      });
      await sleep(400);
      stores.sweep(store);
      // No record: the token presented again is a first use (by then its refresh tokens have expired in real use).
      expect(await store.rotateSession(rotation({ sid, jti, successorJti: id(), issuedAt: now }))).toMatchObject({
        kind: 'rotated',
      });
    });
  });

  describe('session index', () => {
    /** A login's entry in its user's index, living `ms` from `now`. */
    const entry = (sid: string, now: number, ms = 60_000) => ({
      sid,
      createdAt: now,
      lastActiveAt: now,
      expiresAt: now + ms,
      device: { userAgent: 'Agent/1.0 "quoted" \\ ✓', label: 'laptop', ip: '198.51.100.0' },
    });
    const sids = async (store: RevocationStore, sub: string) =>
      (await store.listSessions!(sub)).map((e) => e.sid).sort();

    it('records logins per user, lists them with their device fields, and forgets one only for its user', async () => {
      const store = await stores.create();
      const [ada, bob] = [uniqueId('user'), uniqueId('user')];
      const now = Date.now();
      const [one, two, other] = [id(), id(), id()];
      expect(await store.recordSession!(ada, entry(one, now))).toEqual({ persisted: true });
      await store.recordSession!(ada, entry(two, now));
      await store.recordSession!(bob, entry(other, now));
      expect(await store.listSessions!(ada)).toContainEqual(entry(one, now));
      expect(await sids(store, ada)).toEqual([one, two].sort());
      expect(await store.forgetSession!(ada, other)).toBe(false);
      expect(await store.forgetSession!(ada, one)).toBe(true);
      expect(await store.forgetSession!(ada, one)).toBe(false);
      expect(await sids(store, ada)).toEqual([two]);
      expect(await sids(store, bob)).toEqual([other]);
    });

    it('a rotation with the session lifetime moves its last activity and expiry; one without leaves it', async () => {
      const store = await stores.create();
      const s = session();
      await store.recordSession!(s.sub, { ...entry(s.sid, s.loginAt, 2000), device: {} });
      await s.present(store, 0);
      expect((await store.listSessions!(s.sub))[0]).toMatchObject({ lastActiveAt: s.loginAt });
      const outcome = await s.present(store, 1, { recordTtlMs: 120_000, sessionLifetimeMs: 3_600_000 });
      const { usedAt } = outcome as { usedAt: number };
      expect(await store.listSessions!(s.sub)).toEqual([
        { sid: s.sid, createdAt: s.loginAt, lastActiveAt: usedAt, expiresAt: usedAt + 120_000, device: {} },
      ]);
      // The session's maximum lifetime caps the entry.
      await s.present(store, 2, { recordTtlMs: 120_000, sessionLifetimeMs: 60_000 });
      expect((await store.listSessions!(s.sub))[0]!.expiresAt).toBe(usedAt + 120_000);
    });

    it('a rotation of a session with no entry (started before the index) adds one; a revoked one never', async () => {
      const store = await stores.create();
      const fresh = session();
      const outcome = await fresh.present(store, 0, { sessionLifetimeMs: 3_600_000 });
      expect(await store.listSessions!(fresh.sub)).toEqual([
        {
          sid: fresh.sid,
          createdAt: fresh.loginAt,
          lastActiveAt: (outcome as { usedAt: number }).usedAt,
          expiresAt: expect.any(Number),
          device: {},
        },
      ]);
      const revoked = session();
      await store.revokeSession(revoked.sid, window(Date.now() + 60_000), { sub: revoked.sub });
      await revoked.present(store, 0, { sessionLifetimeMs: 3_600_000 });
      const cut = session();
      await store.revokeUser(cut.sub, Date.now(), window(Date.now() + 60_000));
      expect(await cut.present(store, 0, { sessionLifetimeMs: 3_600_000 })).toEqual({ kind: 'revoked' });
      expect(await store.listSessions!(revoked.sub)).toEqual([]);
      expect(await store.listSessions!(cut.sub)).toEqual([]);
    });

    it('revokeSession with its owner drops the entry; revokeUser drops the entries started before the cut-off', async () => {
      const store = await stores.create();
      const sub = uniqueId('user');
      const now = Date.now();
      const [a, b, c] = [id(), id(), id()];
      for (const sid of [a, b]) await store.recordSession!(sub, entry(sid, now - 10));
      await store.revokeSession(a, window(now + 60_000), { sub });
      expect(await sids(store, sub)).toEqual([b]);
      await store.revokeUser(sub, now, window(now + 60_000));
      await store.recordSession!(sub, entry(c, now + 5));
      expect(await sids(store, sub)).toEqual([c]);
    });

    it("drops an entry at its expiry, at the user's next write or by itself", async () => {
      const store = await stores.create();
      const sub = uniqueId('user');
      const now = Date.now();
      const [short, long] = [id(), id()];
      await store.recordSession!(sub, entry(short, now, 300));
      await store.recordSession!(sub, entry(long, now, 900));
      await sleep(400);
      stores.sweep(store);
      // Listing leaves expired entries to the caller to skip; the next write for the user prunes them.
      await store.recordSession!(sub, entry(id(), Date.now(), 300));
      expect((await sids(store, sub)).includes(short)).toBe(false);
      expect(await sids(store, sub)).toContain(long);
      await sleep(600);
      stores.sweep(store);
      expect((await store.listSessions!(sub)).filter((e) => e.expiresAt > Date.now())).toEqual([]);
    });
  });
});
