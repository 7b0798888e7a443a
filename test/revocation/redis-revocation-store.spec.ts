import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { TokenAuthConfigError, type RevocationWindow, type SessionRotation } from 'nestjs-token-auth';
import { RedisRevocationStore, type RedisRevocationStoreOptions } from 'nestjs-token-auth/redis';
import { RedisServer } from '../support/redis-server.js';
import { CapturedLogger } from '../support/captured-logger.js';
import { codeOf } from '../support/error-code.js';
import { eventually } from '../support/eventually.js';
import { RedisStores, token } from './support/redis-stores.js';

/** A session or user revocation whose access-token and refresh windows both end at `until`. */
function window(until: number): RevocationWindow {
  return { accessUntil: until, refreshUntil: until };
}

/** A token id (16 bytes, as in a token) for a label. */
function idOf(label: string): string {
  return createHash('sha256').update(label).digest().subarray(0, 16).toString('base64url');
}

/** A rotation of `sid` presenting the token labelled `jti`, whose successor would be labelled `next`. */
function rotation(sid: string, jti: string, next: string, issuedAt = Date.now()): SessionRotation {
  return {
    sid,
    sub: 'user-r',
    jti: idOf(jti),
    issuedAt,
    successorJti: idOf(next),
    recordTtlMs: 60_000,
    replayWindowMs: 30_000,
  };
}

const stores = new RedisStores();
const storeOn = (server: RedisServer, options?: Partial<RedisRevocationStoreOptions>) => stores.on(server, options);
const clients: Redis[] = [];

function clientOf(server: RedisServer): Redis {
  const client = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => 50 });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

afterEach(async () => {
  await stores.closeAll();
  clients.splice(0).forEach((client) => client.disconnect());
});

describe('RedisRevocationStore', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterAll(async () => {
    await server.kill();
  });

  it('propagates each kind of revocation to another instance, and a new instance loads them at start', async () => {
    const a = await storeOn(server);
    const b = await storeOn(server);
    const now = Date.now();
    expect(await a.revokeToken('jti-1', now + 60_000)).toEqual({ persisted: true });
    expect(await a.revokeSession('sid-1', window(now + 60_000))).toEqual({ persisted: true });
    const user = await a.revokeUser('user-1', now, window(now + 60_000));
    // The cut-off in force: just past Redis's clock when the write reached it, at or after the one asked for.
    expect(user).toEqual({ persisted: true, issuedBefore: expect.any(Number) });
    const cutoff = user.issuedBefore!;
    expect(cutoff).toBeGreaterThanOrEqual(now);
    await eventually(() => b.isRevoked(token({ jti: 'jti-1' })), 'B sees the token');
    await eventually(() => b.isRevoked(token({ sid: 'sid-1' })), 'B sees the session');
    await eventually(() => b.isRevoked(token({ sub: 'user-1', issuedAt: cutoff - 1 })), 'B sees the cut-off in force');
    expect(b.isRevoked(token({ sub: 'user-1', issuedAt: cutoff }))).toBe(false);
    expect(b.isRevoked(token())).toBe(false);

    const c = await storeOn(server);
    expect(c.isRevoked(token({ jti: 'jti-1' }))).toBe(true);
    expect(c.isRevoked(token({ sid: 'sid-1' }))).toBe(true);
    expect(c.isRevoked(token({ sub: 'user-1', issuedAt: now - 1 }))).toBe(true);
    expect(c.health()).toMatchObject({
      store: 'redis',
      connected: true,
      tokens: 1,
      sessions: 1,
      users: 1,
      pendingWrites: 0,
    });
  });

  it('keeps the later cut-off of a user, whichever instance wrote last', async () => {
    const a = await storeOn(server);
    const b = await storeOn(server);
    const now = Date.now();
    await a.revokeUser('user-2', now + 1000, { accessUntil: now + 20_000, refreshUntil: now + 60_000 });
    await b.revokeUser('user-2', now, { accessUntil: now + 30_000, refreshUntil: now + 40_000 });
    const stored = await clientOf(server).get('nta:revocation:u:user-2');
    expect(stored).toBe(`${now + 1000}:${now + 30_000}:${now + 60_000}`);
    await eventually(() => b.isRevoked(token({ sub: 'user-2', issuedAt: now + 999 })), 'B keeps the later cut-off');
  });

  it('gives every key a TTL that ends when the tokens it covers expire', async () => {
    const a = await storeOn(server);
    const redis = clientOf(server);
    await a.revokeToken('jti-short', Date.now() + 300);
    const ttl = await redis.pttl('nta:revocation:t:jti-short');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    await eventually(async () => (await redis.exists('nta:revocation:t:jti-short')) === 0, 'the key expires');
    await eventually(() => !a.isRevoked(token({ jti: 'jti-short' })), 'the local entry is dropped');
  });

  it('decides each rotation of a session once across instances, on one key per session', async () => {
    const a = await storeOn(server);
    const b = await storeOn(server);
    const now = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).rotateSession(rotation('sid-r', 'R0', `R1-${i}`, now))),
    );
    const rotated = outcomes.filter((o) => o.kind === 'rotated');
    expect(rotated).toHaveLength(1);
    const usedAt = (rotated[0] as { usedAt: number }).usedAt;
    // Every other presentation replays that one first use: the same successor, not a second chain.
    expect(outcomes.every((o) => o.kind !== 'reused' && 'usedAt' in o && o.usedAt === usedAt)).toBe(true);
    const successor = `R1-${outcomes.indexOf(rotated[0]!)}`;
    expect(await a.rotateSession(rotation('sid-r', successor, 'R2', now + 100))).toMatchObject({ kind: 'rotated' });
    expect(await b.rotateSession(rotation('sid-r', 'R0', 'R1-x', now + 200))).toMatchObject({ kind: 'reused' });
    expect(await a.rotateSession(rotation('sid-r', 'R2', 'R3', now + 300))).toEqual({ kind: 'revoked' });
    const redis = clientOf(server);
    expect(await redis.keys('*sid-r*')).toEqual(['nta:revocation:f:sid-r']);
  });

  it('notices a FLUSHALL at the first refresh after it: a spent token is refused, a login after it rotates', async () => {
    // The periodic epoch check is out of the way: only the rotation script can notice the loss here.
    const a = await storeOn(server, { epochCheckInterval: 3_600_000 });
    const loginAt = Date.now();
    expect(await a.rotateSession(rotation('sid-flushed', 'F0', 'F1', loginAt))).toMatchObject({ kind: 'rotated' });
    await clientOf(server).flushall();
    // F0 is spent and its record is gone: without the check in the script it would start a second chain.
    expect(await a.rotateSession(rotation('sid-flushed', 'F0', 'F1-fork', loginAt))).toEqual({ kind: 'reset' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = rotation('sid-after-flush', 'G0', 'G1', Date.now());
    expect(await a.rotateSession(after)).toMatchObject({ kind: 'rotated' });
  });

  // Refresh refused for a session or user after the replica has dropped them: test/revocation/store-contract.spec.ts.
  it('keeps a revoked refreshed session on its one key, and loads no expired revocation into a new instance', async () => {
    const a = await storeOn(server);
    const now = Date.now();
    await a.revokeSession('sid-gone', { accessUntil: now + 200, refreshUntil: now + 60_000 });
    await a.revokeUser('user-r', now, { accessUntil: now + 200, refreshUntil: now + 60_000 });
    await eventually(
      () => !a.isRevoked(token({ sid: 'sid-gone' })) && !a.isRevoked(token({ sub: 'user-r', issuedAt: now - 1 })),
      'the replica drops both once no access token needs them',
    );
    // A refreshed session's record keeps its TTL (its refresh tokens' expiry) when revoked: one key per session.
    // Issued after the user's cut-off, which Redis moved past its own clock.
    const later = Date.now();
    expect(await a.rotateSession(rotation('sid-refreshed', 'R0', 'R1', later))).toMatchObject({ kind: 'rotated' });
    await a.revokeSession('sid-refreshed', { accessUntil: now + 200, refreshUntil: now + 3_600_000 });
    const redis = clientOf(server);
    expect(await redis.get('nta:revocation:f:sid-refreshed')).toBe('-');
    expect(await redis.pttl('nta:revocation:f:sid-refreshed')).toBeLessThanOrEqual(60_000);
    const fresh = await storeOn(server);
    expect(fresh.isRevoked(token({ sid: 'sid-gone' }))).toBe(false);
    expect(fresh.isRevoked(token({ sub: 'user-r', issuedAt: now - 1 }))).toBe(false);
  }, 20_000);

  it('refuses a configuration without a connection, with both, or with a bad prefix', () => {
    expect(() => new RedisRevocationStore({})).toThrow(TokenAuthConfigError);
    expect(() => new RedisRevocationStore({ connection: server.url, keyPrefix: 'bad prefix*' })).toThrow(/keyPrefix/);
    expect(() => new RedisRevocationStore({ connection: server.url, maxStaleness: -1 })).toThrow(/maxStaleness/);
  });
});

describe('RedisRevocationStore when Redis goes away', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterAll(async () => {
    await server.kill();
  });

  it('serves the replica up to maxStaleness, then fails closed (default) or open (opt-in), and logs it', async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const closedLog = new CapturedLogger();
    const openLog = new CapturedLogger();
    const closed = await storeOn(server, { maxStaleness: 30, clock, logger: closedLog });
    const open = await storeOn(server, { maxStaleness: 30, clock, failOpen: true, logger: openLog });
    await closed.revokeToken('jti-before', clock() + 600_000);
    await eventually(() => open.isRevoked(token({ jti: 'jti-before' })), 'the other instance sees it');

    await server.kill();
    await eventually(() => closed.health().connected === false && open.health().connected === false, 'both notice');
    expect(closed.isRevoked(token({ jti: 'jti-before' }))).toBe(true);
    expect(closed.isRevoked(token())).toBe(false);

    offset += 31_000;
    expect(codeOf(() => closed.isRevoked(token()))).toBe('revocation_unavailable');
    expect(codeOf(() => closed.isRevoked(token({ jti: 'jti-before' })))).toBe('revocation_unavailable');
    expect(open.isRevoked(token({ jti: 'jti-before' }))).toBe(true);
    expect(open.isRevoked(token())).toBe(false);
    expect(closedLog.lines.some((line) => /^error .*failing closed/.test(line))).toBe(true);
    expect(openLog.lines.some((line) => /^error .*failing open/.test(line))).toBe(true);

    await server.start();
    await eventually(() => closed.health().connected === true, 'the store re-synchronises');
    expect(closed.isRevoked(token())).toBe(false);
  });

  it('queues revocations made while Redis is down, enforces them at once and writes them on reconnect', async () => {
    const a = await storeOn(server);
    const b = await storeOn(server);
    await server.kill();
    await eventually(() => a.health().connected === false, 'A notices');
    const result = await a.revokeSession('sid-offline', window(Date.now() + 600_000));
    expect(result).toEqual({ persisted: false });
    expect(a.isRevoked(token({ sid: 'sid-offline' }))).toBe(true);
    expect(a.health().pendingWrites).toBe(1);

    await server.start();
    await eventually(() => a.health().pendingWrites === 0, 'the queue is flushed');
    await eventually(() => b.isRevoked(token({ sid: 'sid-offline' })), 'B learns it after the outage');
    expect(await clientOf(server).exists('nta:revocation:s:sid-offline')).toBe(1);
  });

  it('loses nothing when Redis restarts empty: instances write back, and a new instance sees it all', async () => {
    const a = await storeOn(server);
    const b = await storeOn(server);
    const now = Date.now();
    await a.revokeToken('jti-kept', now + 600_000);
    const { issuedBefore: cutoff } = await b.revokeUser('user-kept', now, window(now + 600_000));
    await eventually(() => a.isRevoked(token({ sub: 'user-kept', issuedAt: now - 1 })), 'A sees B’s revocation');

    await server.restartEmpty();
    const redis = clientOf(server);
    await eventually(
      async () => (await redis.exists('nta:revocation:t:jti-kept', 'nta:revocation:u:user-kept')) === 2,
      'the revocations are written back',
    );
    const fresh = await storeOn(server);
    expect(fresh.isRevoked(token({ jti: 'jti-kept' }))).toBe(true);
    expect(fresh.isRevoked(token({ sub: 'user-kept', issuedAt: cutoff! - 1 }))).toBe(true);
    expect(fresh.isRevoked(token({ sub: 'user-kept', issuedAt: cutoff! }))).toBe(false);
  });

  it('starts stale when Redis cannot be reached, and catches up once it can', async () => {
    const down = await RedisServer.start();
    await down.kill();
    const log = new CapturedLogger();
    const store = await storeOn(down, { startTimeout: 200, maxStaleness: 0, logger: log });
    expect(log.lines.some((line) => /^error .*not reachable/.test(line))).toBe(true);
    expect(codeOf(() => store.isRevoked(token()))).toBe('revocation_unavailable');
    await down.start();
    await eventually(() => store.health().connected === true, 'the store synchronises');
    expect(store.isRevoked(token())).toBe(false);
    await store.onApplicationShutdown();
    await down.kill();
  });
});

describe('memory', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterAll(async () => {
    await server.kill();
  });

  it('100 000 short-lived revocations leave both instances and Redis back near their baseline once expired', async () => {
    const a = await storeOn(server);
    const b = await storeOn(server);
    const redis = clientOf(server);
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    const baselineKeys = await redis.dbsize();
    const baselineMemory = await usedMemory();

    const count = 100_000;
    // Far enough ahead that all writes land before the first expiry, even on a slow machine.
    const expiresAt = Date.now() + 20_000;
    for (let i = 0; i < count; i += 2000) {
      const results = await Promise.all(
        Array.from({ length: 2000 }, (_, j) => a.revokeToken(`jti-${i + j}`, expiresAt)),
      );
      expect(results.every((result) => result.persisted)).toBe(true);
    }
    expect(await redis.dbsize()).toBe(baselineKeys + count);
    const peakMemory = await usedMemory();
    await eventually(() => b.health().tokens === count, 'B holds every revocation', 60_000);
    expect(a.health().tokens).toBe(count);

    await eventually(() => a.footprint === 0 && b.footprint === 0, 'both replicas are empty', 60_000);
    await eventually(async () => (await redis.dbsize()) === baselineKeys, 'Redis has expired every key', 60_000);
    const afterMemory = await usedMemory();
    expect(afterMemory - baselineMemory).toBeLessThan((peakMemory - baselineMemory) / 10);
  }, 180_000);
});
