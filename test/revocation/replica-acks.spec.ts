import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { TokenAuthConfigError, type SessionRotation } from 'nestjs-token-auth';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import { asyncCodeOf } from '../support/error-code.js';
import { eventually } from '../support/eventually.js';
import { RedisServer } from '../support/redis-server.js';
import { RedisStores } from './support/redis-stores.js';

/** A token id (16 bytes, as in a token) for a label. */
function idOf(label: string): string {
  return createHash('sha256').update(label).digest().subarray(0, 16).toString('base64url');
}

function rotation(sid: string, jti: string, next: string): SessionRotation {
  return {
    sid,
    sub: 'user-w',
    jti: idOf(jti),
    issuedAt: Date.now(),
    successorJti: idOf(next),
    recordTtlMs: 60_000,
    replayWindowMs: 30_000,
  };
}

const window = () => ({ accessUntil: Date.now() + 60_000, refreshUntil: Date.now() + 120_000 });

/**
 * `waitForReplicas` (issue: durability under failover): a rotation or revocation counts as done only once a replica
 * holds it. A real primary and a real replica; the replica paused (SIGSTOP) stands for one that lags.
 */
describe('RedisRevocationStore waitForReplicas', () => {
  let primary: RedisServer;
  let replica: RedisServer;
  const stores = new RedisStores({ writeTimeout: 2000 });

  beforeAll(async () => {
    primary = await RedisServer.start();
    replica = await RedisServer.start();
    const admin = new Redis(replica.port, '127.0.0.1');
    await admin.replicaof('127.0.0.1', primary.port);
    await eventually(
      async () => /master_link_status:up/.test(await admin.info('replication')),
      'the replica is in sync',
    );
    admin.disconnect();
  });

  afterEach(async () => {
    if (replica.running) replica.resume();
    await stores.closeAll();
  });

  afterAll(async () => {
    await replica.kill();
    await primary.kill();
  });

  it('answers a rotation and a revocation once the replica holds them', async () => {
    const store = await stores.on(primary, { waitForReplicas: 1 });
    expect(await store.rotateSession(rotation('sid-w1', 'A0', 'A1'))).toMatchObject({ kind: 'rotated' });
    expect(await store.revokeSession('sid-w2', window())).toEqual({ persisted: true });
    const onReplica = new Redis(replica.port, '127.0.0.1');
    expect(await onReplica.exists('nta:revocation:f:sid-w1', 'nta:revocation:s:sid-w2')).toBe(2);
    onReplica.disconnect();
  });

  it('refuses to hand out a pair, and reports a revocation unpersisted, while no replica acknowledges', async () => {
    const store = await stores.on(primary, { waitForReplicas: 1 });
    replica.pause();
    expect(await asyncCodeOf(store.rotateSession(rotation('sid-w3', 'B0', 'B1')))).toBe('revocation_unavailable');
    expect(await store.revokeSession('sid-w4', window())).toEqual({ persisted: false });
    expect(store.health().pendingWrites).toBe(1);
    // The replica back: the retry of the same refresh returns the same successor, and the queued write lands.
    replica.resume();
    expect(await store.rotateSession(rotation('sid-w3', 'B0', 'B1'))).toMatchObject({ kind: 'replayed' });
    await eventually(() => store.health().pendingWrites === 0, 'the queued revocation is acknowledged');
  });

  it('covers the writes of a moment with one WAIT each round trip, not one WAIT a write', async () => {
    const store = await stores.on(primary, { waitForReplicas: 1 });
    const admin = new Redis(primary.port, '127.0.0.1');
    await admin.config('RESETSTAT');
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.rotateSession(rotation(`sid-g${i}`, `G${i}`, `G${i}-next`))),
    );
    const stats = await admin.info('commandstats');
    admin.disconnect();
    expect(outcomes.every((outcome) => outcome.kind === 'rotated')).toBe(true);
    // Each WAIT blocks the connection: one a write would complete one refresh per round trip to the replica.
    const waits = Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    expect(waits).toBeGreaterThan(0);
    expect(waits).toBeLessThanOrEqual(3);
  });

  it('answers at once without waiting (the default), though the replica lags', async () => {
    const store = await stores.on(primary);
    replica.pause();
    expect(await store.rotateSession(rotation('sid-w5', 'C0', 'C1'))).toMatchObject({ kind: 'rotated' });
    expect(await store.revokeSession('sid-w6', window())).toEqual({ persisted: true });
  });

  it('refuses a count that is not a whole number, and a Cluster client', () => {
    for (const waitForReplicas of [-1, 1.5, Number.NaN]) {
      expect(() => new RedisRevocationStore({ connection: primary.url, waitForReplicas })).toThrow(
        TokenAuthConfigError,
      );
    }
    const cluster = { isCluster: true } as unknown as ConstructorParameters<typeof RedisRevocationStore>[0]['client'];
    expect(() => new RedisRevocationStore({ client: cluster, waitForReplicas: 1 })).toThrow(
      /waitForReplicas is not supported with a Cluster client/,
    );
  });
});
