import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { SecurityEvent } from 'nestjs-token-auth';
import { RedisServer } from '../support/redis-server.js';
import { eventually } from '../support/eventually.js';
import { RedisStores } from '../revocation/support/redis-stores.js';

const stores = new RedisStores({ heartbeatInterval: 100, heartbeatTimeout: 300, epochCheckInterval: 200 });
let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
});
afterEach(() => stores.closeAll());
afterAll(() => server.kill());

const window = (until: number) => ({ accessUntil: until, refreshUntil: until });
const ofType = <T extends SecurityEvent['type']>(events: SecurityEvent[], type: T) =>
  events.filter((e): e is Extract<SecurityEvent, { type: T }> => e.type === type);

describe('the Redis store as security events', () => {
  it('stale, a revocation queued, then recovered, reset (the data lost) and the revocation written, in that order', async () => {
    const store = await stores.on(server);
    const events: SecurityEvent[] = [];
    store.observe({ emit: (event) => events.push(event) });

    await server.kill();
    await eventually(() => ofType(events, 'store.stale').length === 1, 'the store reports itself stale');
    const result = await store.revokeSession('session-a', window(Date.now() + 60_000));
    expect(result.persisted).toBe(false);
    expect(ofType(events, 'revocation.queued')).toEqual([
      expect.objectContaining({ kind: 'session', sessionId: 'session-a', reason: expect.any(String) }),
    ]);
    await store.revokeUser('user-b', Date.now(), window(Date.now() + 60_000));

    await server.start(); // back, and empty: its data is lost
    await eventually(() => ofType(events, 'revocation.written').length === 2, 'the queued revocations are written');
    await eventually(() => ofType(events, 'store.recovered').length >= 1, 'the store reports itself recovered');
    expect(ofType(events, 'store.reset')).toEqual([
      expect.objectContaining({ reason: 'data_lost', since: expect.any(Number) }),
    ]);
    const written = ofType(events, 'revocation.written');
    expect(written).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'session', sessionId: 'session-a' }),
        expect.objectContaining({ kind: 'user', subject: 'user-b' }),
      ]),
    );
    for (const event of written) expect(event.queuedForMs).toBeGreaterThan(0);
    expect(ofType(events, 'store.recovered')[0]!.staleForMs).toBeGreaterThan(0);
    const order = events.map((e) => e.type);
    expect(order.indexOf('store.stale')).toBeLessThan(order.indexOf('revocation.queued'));
    expect(order.indexOf('revocation.queued')).toBeLessThan(order.indexOf('revocation.written'));
  });

  it('a revocation still queued at shutdown is reported lost', async () => {
    const store = await stores.on(server, { shutdownTimeout: 200 });
    const events: SecurityEvent[] = [];
    store.observe({ emit: (event) => events.push(event) });
    await server.kill();
    await eventually(() => ofType(events, 'store.stale').length === 1, 'the store reports itself stale');
    await store.revokeSession('session-c', window(Date.now() + 60_000));
    try {
      await store.onApplicationShutdown();
    } finally {
      await server.start();
    }
    expect(ofType(events, 'revocation.lost')).toEqual([
      expect.objectContaining({ kind: 'session', sessionId: 'session-c', reason: 'shutdown' }),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/nta1\./);
  });
});
