import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import {
  generateKey,
  StaticKeyProvider,
  TokenAuthModule,
  TokenService,
  type TokenAuthModuleOptions,
  type TokenPair,
} from 'nestjs-token-auth';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import { CapturedLogger } from '../support/captured-logger.js';
import { eventually } from '../support/eventually.js';
import { RedisServer } from '../support/redis-server.js';

/**
 * The users' session indexes in a real Redis (`{prefix}d:{sub}`, one hash per user): what a login, a refresh and a
 * revocation write there, what a listing reads (one HGETALL), how entries expire, and Redis going away.
 */

const PREFIX = 'nta:revocation:';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServer;
let admin: Redis;
const modules: TestingModule[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
  admin = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => 50 });
  admin.on('error', () => undefined);
});

afterAll(async () => {
  admin.disconnect();
  await server.kill();
});

afterEach(async () => {
  await Promise.all(modules.splice(0).map((m) => m.close()));
});

/** Every instance signs with the same key, as instances sharing a ring do. */
const key = generateKey();

/** TokenService over a RedisRevocationStore on the test's server, as an app builds it. */
async function instance(options: Partial<TokenAuthModuleOptions> = {}) {
  const store = new RedisRevocationStore({
    connection: { port: server.port, host: '127.0.0.1', retryStrategy: () => 50 },
    logger: new CapturedLogger(),
    writeTimeout: 500,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([key]), revocationStore: store, ...options }),
    ],
  }).compile();
  await moduleRef.init();
  modules.push(moduleRef);
  return { tokens: moduleRef.get(TokenService), store };
}

/** How many times each command ran between `CONFIG RESETSTAT` and now. */
async function commandCounts(): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  const counts: Record<string, number> = {};
  for (const [, name, calls] of info.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)) counts[name!] = Number(calls);
  return counts;
}

describe('session index on Redis', () => {
  it('a login writes one entry in the user’s hash; listing is one HGETALL, from any instance', async () => {
    const a = await instance();
    const b = await instance();
    const started = await a.tokens.startSession('ada', { device: { userAgent: UA, ip: '198.51.100.23' } });
    expect(started.persisted).toBe(true);
    expect(await admin.hlen(`${PREFIX}d:ada`)).toBe(1);
    await admin.config('RESETSTAT');
    const sessions = await b.tokens.listSessions('ada', { currentSessionId: started.access.claims.sid });
    const { hgetall, ...others } = await commandCounts();
    // The listing sent one command; the others are this measurement and the stores' own heartbeats and epoch checks.
    expect(hgetall).toBe(1);
    for (const name of Object.keys(others)) expect(['info', 'ping', 'config|resetstat', 'evalsha']).toContain(name);
    expect(sessions).toEqual([
      {
        id: started.access.claims.sid,
        createdAt: started.access.claims.issuedAt,
        lastActiveAt: started.access.claims.issuedAt,
        expiresAt: expect.any(Number),
        current: true,
        device: { userAgent: UA, ip: '198.51.100.0' },
      },
    ]);
    expect(await b.tokens.listSessions('nobody')).toEqual([]);
  });

  it('a refresh updates the entry in the rotation’s pipeline; 1 000 refreshes leave one entry of the same size', async () => {
    const { tokens } = await instance();
    let pair: TokenPair = await tokens.startSession('bob', { device: { userAgent: UA } });
    const key = `${PREFIX}d:bob`;
    const sizeAfterLogin = await admin.memory('USAGE', key);
    pair = await tokens.refresh(pair.refresh.token);
    const [entry] = await tokens.listSessions('bob');
    expect(entry!.lastActiveAt).toBe(pair.access.claims.issuedAt);
    expect(entry!.device).toEqual({ userAgent: UA });
    for (let i = 0; i < 999; i++) pair = await tokens.refresh(pair.refresh.token);
    expect(await admin.hlen(key)).toBe(1);
    expect(await admin.memory('USAGE', key)).toBe(sizeAfterLogin);
    // The key lives as long as the latest session's last refresh token (and its tolerance), no longer.
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(pair.refresh.claims.expiresAt - Date.now());
    expect(ttl).toBeLessThanOrEqual(pair.refresh.claims.expiresAt + 30_000 - Date.now() + 50);
  });

  it('an idle session’s entry is pruned by the next write for its user, and the key goes with the last session', async () => {
    const { tokens } = await instance({ refreshTokenTtl: 3, clockTolerance: 0 });
    const key = `${PREFIX}d:cleo`;
    await tokens.startSession('cleo', { device: { label: 'idle' } });
    let active: TokenPair = await tokens.startSession('cleo', { device: { label: 'active' } });
    await sleep(1500);
    active = await tokens.refresh(active.refresh.token);
    await sleep(1700);
    // The idle one's refresh token expired; its entry is still in the hash until the next write for the user.
    expect(await admin.hlen(key)).toBe(2);
    expect((await tokens.listSessions('cleo')).map((s) => s.device.label)).toEqual(['active']);
    await tokens.refresh(active.refresh.token);
    expect(await admin.hlen(key)).toBe(1);
    // Within one refresh-token lifetime of the last write, nothing is left.
    await eventually(async () => (await admin.exists(key)) === 0, 'the index key expired', 5000);
  });

  it('a user with many sessions: a refresh walks their hash only once an entry may have expired', async () => {
    const { tokens } = await instance({ refreshTokenTtl: 3, clockTolerance: 0 });
    const key = `${PREFIX}d:mani`;
    await Promise.all(Array.from({ length: 40 }, () => tokens.startSession('mani')));
    await sleep(1500);
    let active: TokenPair = await tokens.startSession('mani', { device: { label: 'active' } });
    await admin.config('RESETSTAT');
    for (let i = 0; i < 10; i++) active = await tokens.refresh(active.refresh.token);
    // Nothing in the hash can have expired yet: ten refreshes and not one walk of the 41 entries.
    expect((await commandCounts()).hgetall ?? 0).toBe(0);
    const listed = await tokens.listSessions('mani');
    expect(listed).toHaveLength(41);
    expect(Number(await admin.hget(key, '~'))).toBe(Math.min(...listed.map((s) => s.expiresAt)));
    // A session id never names the field that holds the earliest expiry.
    expect(await tokens.revokeSession('~', { subject: 'mani' })).toEqual({ persisted: true, found: false });
    await sleep(1700);
    // The idle ones expired: the first refresh after walks the hash once and leaves the live session alone.
    await admin.config('RESETSTAT');
    active = await tokens.refresh(active.refresh.token);
    expect((await commandCounts()).hgetall).toBe(1);
    expect(await admin.hkeys(key)).toEqual([active.access.claims.sid]);
  });

  it('revoking one session with its subject removes its entry; a logout-all removes every entry before its cut-off', async () => {
    const { tokens } = await instance();
    const one = await tokens.startSession('dora');
    const two = await tokens.startSession('dora');
    await tokens.refresh(two.refresh.token);
    expect(await tokens.revokeSession(two.access.claims.sid, { subject: 'dora' })).toEqual({
      persisted: true,
      found: true,
    });
    expect(await admin.hkeys(`${PREFIX}d:dora`)).toEqual([one.access.claims.sid]);
    expect(await admin.get(`${PREFIX}f:${two.access.claims.sid}`)).toBe('-');
    // Not hers, or gone already: the same answer, nothing written.
    const other = await tokens.startSession('eve');
    for (const sid of [other.access.claims.sid, two.access.claims.sid]) {
      expect(await tokens.revokeSession(sid, { subject: 'dora' })).toEqual({ persisted: true, found: false });
    }
    expect(await admin.exists(`${PREFIX}f:${other.access.claims.sid}`)).toBe(0);
    await tokens.revokeAllForUser('dora');
    expect(await admin.exists(`${PREFIX}d:dora`)).toBe(0);
    expect(await admin.hlen(`${PREFIX}d:eve`)).toBe(1);
  });

  it('a refresh of a revoked session, or of one its user’s cut-off covers, never lists it again', async () => {
    const { tokens } = await instance();
    const revoked = await tokens.startSession('finn');
    await tokens.revokeSession(revoked.access.claims.sid, { subject: 'finn' });
    await expect(tokens.refresh(revoked.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    const covered = await tokens.startSession('finn');
    await tokens.revokeAllForUser('finn');
    await expect(tokens.refresh(covered.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    expect(await admin.exists(`${PREFIX}d:finn`)).toBe(0);
  });

  it('revokeOtherSessions from one instance: the others are refused on another', async () => {
    const a = await instance();
    const b = await instance();
    const keep = await a.tokens.startSession('gail');
    const others = [await a.tokens.startSession('gail'), await b.tokens.startSession('gail')];
    expect(await b.tokens.revokeOtherSessions('gail', keep.access.claims.sid)).toEqual({ persisted: true, revoked: 2 });
    for (const pair of others) {
      await eventually(() => {
        try {
          a.tokens.verify(pair.access.token);
          return false;
        } catch {
          return true;
        }
      }, 'the other instance refuses the revoked session');
      await expect(a.tokens.refresh(pair.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' });
    }
    expect(a.tokens.verify(keep.access.token).sub).toBe('gail');
    expect((await a.tokens.listSessions('gail')).map((s) => s.id)).toEqual([keep.access.claims.sid]);
  });

  it('Redis down: listing is revocation_unavailable, revoking one is queued; both land once Redis is back', async () => {
    const { tokens, store } = await instance();
    const keep = await tokens.startSession('hal');
    const lost = await tokens.startSession('hal');
    await server.kill();
    await eventually(() => store.health().connected === false, 'the store noticed');
    await expect(tokens.listSessions('hal')).rejects.toMatchObject({ code: 'revocation_unavailable' });
    await expect(tokens.revokeOtherSessions('hal', keep.access.claims.sid)).rejects.toMatchObject({
      code: 'revocation_unavailable',
    });
    // Like a logout: enforced here at once, queued for Redis.
    expect(await tokens.revokeSession(lost.access.claims.sid, { subject: 'hal' })).toEqual({ persisted: false });
    // A logout by the verified claims asks Redis nothing first either.
    const own = await tokens.startSession('hal');
    expect(await tokens.revokeSession(tokens.verify(own.access.token))).toEqual({ persisted: false });
    expect(() => tokens.verify(lost.access.token)).toThrow(expect.objectContaining({ code: 'revoked_token' }));
    // A login while Redis is away is valid, and recorded once Redis is back.
    const during = await tokens.startSession('hal', { device: { label: 'during' } });
    expect(during.persisted).toBe(false);
    await server.start();
    await eventually(
      async () => (await admin.get(`${PREFIX}f:${lost.access.claims.sid}`)) === '-',
      'the queued revocation landed',
      10_000,
    );
    await eventually(
      async () => (await admin.hexists(`${PREFIX}d:hal`, during.access.claims.sid)) === 1,
      'the queued login landed',
      10_000,
    );
    // Redis came back empty: the sessions it held before are gone with it (their refresh answers session_reset).
    expect((await tokens.listSessions('hal')).map((s) => s.device.label)).toEqual(['during']);
  });
});
