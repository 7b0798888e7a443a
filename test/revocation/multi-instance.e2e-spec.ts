import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RedisServer } from '../support/redis-server.js';
import { DemoCluster, eventually, me, PASSWORD, post, type Instance, type Pair } from './support/demo-instances.js';

describe('revocations shared by three demo processes through one Redis', () => {
  let cluster: DemoCluster;
  let redis: RedisServer;
  let a: Instance, b: Instance, c: Instance;
  const startInstance = () => cluster.instance();

  beforeAll(async () => {
    cluster = await DemoCluster.start({ REVOCATION_MAX_STALENESS: '2' });
    redis = cluster.redis;
    a = await startInstance();
    [b, c] = await Promise.all([startInstance(), startInstance()]);
  }, 60_000);

  afterAll(() => cluster?.stop());

  let loggedOut: Pair;
  let everywhere: Pair[];
  let kept: Pair;

  it('a token revoked through one instance is rejected by the others', async () => {
    expect((await post(a, '/auth/register', { username: 'multi', password: PASSWORD })).status).toBe(201);
    expect((await post(a, '/auth/register', { username: 'other', password: PASSWORD })).status).toBe(201);
    expect((await post(a, '/auth/register', { username: 'solo', password: PASSWORD })).status).toBe(201);
    const login = async (instance: Instance, username = 'multi') =>
      (await post(instance, '/auth/login', { username, password: PASSWORD })).body as Pair;

    // Separate users, so each revocation kind is checked on its own: a session (logout), a user (logout-all).
    loggedOut = await login(a, 'solo');
    kept = await login(c, 'other');
    for (const instance of [a, b, c]) expect(await me(instance, loggedOut)).toBe('200');
    expect((await post(a, '/auth/logout', {}, loggedOut.access_token)).status).toBe(204);
    for (const instance of [b, c]) {
      await eventually(
        async () => (await me(instance, loggedOut)) === '401 revoked_token',
        'the logout reaches every instance',
      );
    }
    expect((await post(b, '/auth/refresh', { refresh_token: loggedOut.refresh_token })).body.code).toBe(
      'revoked_token',
    );

    everywhere = [await login(a), await login(c)];
    expect((await post(b, '/auth/logout-all', {}, everywhere[1]!.access_token)).status).toBe(204);
    for (const instance of [a, b, c]) {
      for (const pair of everywhere) {
        await eventually(
          async () => (await me(instance, pair)) === '401 revoked_token',
          'logout-all reaches every instance',
        );
      }
      expect(await me(instance, kept)).toBe('200');
    }
  }, 60_000);

  it('Redis killed: past maxStaleness every instance fails closed with 503 revocation_unavailable', async () => {
    await redis.kill();
    for (const instance of [a, b, c]) {
      await eventually(
        async () => (await me(instance, kept)) === '503 revocation_unavailable',
        'the instance fails closed',
      );
      // Refresh cannot be decided without the shared store either: 503, so the client retries rather than logging out.
      const refresh = await post(instance, '/auth/refresh', { refresh_token: kept.refresh_token });
      expect([refresh.status, refresh.body.code]).toEqual([503, 'revocation_unavailable']);
      // Health says so, so a load balancer stops sending traffic there.
      const health = await fetch(`${instance.url}/health`);
      expect([health.status, await health.json()]).toEqual([
        503,
        { status: 'down', keyRing: 'fresh', revocationStore: 'refusing', clock: 'in_step', instance: 'serving' },
      ]);
    }
  }, 60_000);

  it('Redis restarted empty: revoked tokens stay rejected everywhere, also on a freshly started fourth instance', async () => {
    await redis.start();
    for (const instance of [a, b, c]) {
      await eventually(async () => (await me(instance, kept)) === '200', 'the instance re-synchronises');
      expect(await me(instance, loggedOut)).toBe('401 revoked_token');
      for (const pair of everywhere) expect(await me(instance, pair)).toBe('401 revoked_token');
    }
    // An instance serves again only once it has written back what Redis lacked: a new instance loads it all.
    const d = await startInstance();
    expect(await me(d, kept)).toBe('200');
    expect(await me(d, loggedOut)).toBe('401 revoked_token');
    for (const pair of everywhere) expect(await me(d, pair)).toBe('401 revoked_token');
  }, 60_000);
});
