import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DemoCluster, eventually, me, PASSWORD, post, type Instance, type Pair } from './support/demo-instances.js';

interface SessionView {
  id: string;
  current: boolean;
  user_agent?: string;
}

/** One request with the access token; the status, and the body when there is one. */
async function call(
  instance: Instance,
  method: 'GET' | 'DELETE',
  path: string,
  pair: Pair,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${instance.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${pair.access_token}` },
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function loginAs(instance: Instance, username: string, userAgent: string): Promise<Pair> {
  const response = await fetch(`${instance.url}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': userAgent },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Pair;
}

const refreshCode = async (instance: Instance, pair: Pair) => {
  const answer = await post(instance, '/auth/refresh', { refresh_token: pair.refresh_token });
  return answer.status === 200 ? '200' : `${answer.status} ${answer.body.code}`;
};

describe('your devices across three demo processes on one Redis', () => {
  let cluster: DemoCluster;
  let a: Instance, b: Instance, c: Instance;

  beforeAll(async () => {
    cluster = await DemoCluster.start({ REVOCATION_MAX_STALENESS: '30' });
    a = await cluster.instance();
    [b, c] = await Promise.all([cluster.instance(), cluster.instance()]);
  }, 60_000);

  afterAll(() => cluster?.stop());

  it('lists on A, signs a device out on B: that device is refused on A and C, access and refresh', async () => {
    expect((await post(a, '/auth/register', { username: 'roamer', password: PASSWORD })).status).toBe(201);
    const laptop = await loginAs(a, 'roamer', 'Laptop/1.0');
    const phone = await loginAs(b, 'roamer', 'Phone/2.0');
    const tablet = await loginAs(c, 'roamer', 'Tablet/3.0');

    // Every login is listed on any instance at once: the login waited for Redis to hold it.
    const listed = await call(a, 'GET', '/auth/sessions', laptop);
    expect(listed.status).toBe(200);
    const sessions = listed.body as SessionView[];
    expect(sessions.map((s) => [s.current, s.user_agent])).toEqual([
      [true, 'Laptop/1.0'],
      [false, 'Tablet/3.0'],
      [false, 'Phone/2.0'],
    ]);
    const phoneId = sessions.find((s) => s.user_agent === 'Phone/2.0')!.id;

    expect((await call(b, 'DELETE', `/auth/sessions/${phoneId}`, laptop)).status).toBe(204);
    for (const instance of [a, c]) {
      await eventually(
        async () => (await me(instance, phone)) === '401 revoked_token',
        'the signed-out device is refused on the other instances',
      );
    }
    expect(await refreshCode(a, phone)).toBe('401 revoked_token');
    expect(await refreshCode(c, phone)).toBe('401 revoked_token');
    for (const instance of [a, b, c]) {
      expect(await me(instance, laptop)).toBe('200');
      expect(await me(instance, tablet)).toBe('200');
    }
    const after = (await call(c, 'GET', '/auth/sessions', tablet)).body as SessionView[];
    expect(after.map((s) => s.user_agent)).toEqual(['Tablet/3.0', 'Laptop/1.0']);
  }, 60_000);

  it('Redis down: listing is 503 revocation_unavailable, signing a device out 202; enforced everywhere once back', async () => {
    expect((await post(a, '/auth/register', { username: 'stranded', password: PASSWORD })).status).toBe(201);
    const laptop = await loginAs(a, 'stranded', 'Laptop/1.0');
    const phone = await loginAs(c, 'stranded', 'Phone/2.0');
    const phoneId = ((await call(a, 'GET', '/auth/sessions', laptop)).body as SessionView[]).find(
      (s) => s.user_agent === 'Phone/2.0',
    )!.id;

    await cluster.redis.kill();
    await eventually(async () => (await call(b, 'GET', '/auth/sessions', laptop)).status === 503, 'B noticed');
    const listed = await call(b, 'GET', '/auth/sessions', laptop);
    expect(listed).toMatchObject({ status: 503, body: { code: 'revocation_unavailable' } });
    // Like a logout: this instance refuses the device at once, the write waits for Redis.
    const revoked = await call(b, 'DELETE', `/auth/sessions/${phoneId}`, laptop);
    expect(revoked).toEqual({ status: 202, body: { persisted: false } });
    expect(await me(b, phone)).toBe('401 revoked_token');

    await cluster.redis.start();
    for (const instance of [a, c]) {
      await eventually(
        async () => (await me(instance, phone)) === '401 revoked_token',
        'the queued revocation reaches the other instances once Redis is back',
      );
    }
    expect(await me(a, laptop)).toBe('200');
  }, 90_000);
});
