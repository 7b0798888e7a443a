import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADAPTERS, PASSWORD, startDemo, type DemoHarness } from '../demo/support/demo-harness.js';

interface Pair {
  access_token: string;
  refresh_token: string;
}

describe.each(ADAPTERS)('demo sessions: refresh, logout, logout everywhere, password change (%s)', (adapter) => {
  let demo: DemoHarness;

  beforeAll(async () => {
    demo = await startDemo(adapter);
  });
  afterAll(() => demo?.close());

  async function login(username: string, password = PASSWORD): Promise<Pair> {
    const response = await demo.http().post('/auth/login').send({ username, password }).expect(200);
    return response.body as Pair;
  }

  async function me(pair: Pair): Promise<{ status: number; code?: string; challenge?: string }> {
    const response = await demo.http().get('/me').set('Authorization', `Bearer ${pair.access_token}`);
    return { status: response.status, code: response.body.code, challenge: response.headers['www-authenticate'] };
  }

  function refresh(refreshToken: unknown) {
    return demo
      .http()
      .post('/auth/refresh')
      .send(refreshToken === undefined ? {} : { refresh_token: refreshToken });
  }

  it('login returns an access token and a refresh token; refresh rotates the pair', async () => {
    await demo.register('rita');
    const first = await login('rita');
    expect(first).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^nta1\./),
    });
    const response = await refresh(first.refresh_token);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const second = response.body as Pair;
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await me(second)).status).toBe(200);
    expect((await me(first)).status).toBe(200);
  });

  it('a refresh token is not an access token, and an access token is not a refresh token', async () => {
    await demo.register('pete');
    const pair = await login('pete');
    expect(await me({ ...pair, access_token: pair.refresh_token })).toMatchObject({
      status: 401,
      code: 'wrong_purpose',
    });
    const response = await refresh(pair.access_token);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('wrong_purpose');
  });

  it.each([
    ['no refresh token', 401, undefined, 'token_missing'],
    ['garbage', 401, 'nta1.garbage', 'token_malformed'],
    ['a number', 400, 42, undefined],
  ])('refresh with %s answers %i', async (_case, status, token, code) => {
    const response = await refresh(token);
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
  });

  it('two tabs refreshing with the same token at once both get a working pair', async () => {
    await demo.register('tabs');
    const pair = await login('tabs');
    const [a, b] = await Promise.all([refresh(pair.refresh_token), refresh(pair.refresh_token)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await me(a.body as Pair)).status).toBe(200);
    expect((await me(b.body as Pair)).status).toBe(200);
  });

  it('logout revokes the access token and its refresh family, not the other sessions', async () => {
    await demo.register('lou');
    const session = await login('lou');
    const other = await login('lou');
    const rotated = (await refresh(session.refresh_token).expect(200)).body as Pair;
    await demo.http().post('/auth/logout').set('Authorization', `Bearer ${rotated.access_token}`).expect(204);
    for (const pair of [session, rotated]) {
      const answer = await me(pair);
      expect(answer).toMatchObject({ status: 401, code: 'revoked_token' });
      expect(answer.challenge).toMatch(/^Bearer error="invalid_token"/);
    }
    expect((await refresh(rotated.refresh_token)).body.code).toBe('revoked_token');
    expect((await me(other)).status).toBe(200);
    await demo.http().post('/auth/logout').expect(401);
  });

  it('logout-all revokes every session of the user and no one else’s; a new login works', async () => {
    await demo.register('ann');
    await demo.register('ben');
    const laptop = await login('ann');
    const phone = await login('ann');
    const ben = await login('ben');
    await demo.http().post('/auth/logout-all').set('Authorization', `Bearer ${phone.access_token}`).expect(204);
    for (const pair of [laptop, phone]) {
      expect(await me(pair)).toMatchObject({ status: 401, code: 'revoked_token' });
      expect((await refresh(pair.refresh_token)).body.code).toBe('revoked_token');
    }
    expect((await me(ben)).status).toBe(200);
    expect((await me(await login('ann'))).status).toBe(200);
  });

  it('a password change needs the old password, revokes every older token and hands this client a new pair', async () => {
    await demo.register('pat');
    const laptop = await login('pat');
    const phone = await login('pat');
    const change = (pair: Pair, body: object) =>
      demo.http().post('/auth/password').set('Authorization', `Bearer ${pair.access_token}`).send(body);

    const wrong = await change(laptop, { old_password: 'not the password', new_password: 'a brand new secret' });
    expect(wrong.status).toBe(403);
    expect((await me(phone)).status).toBe(200);
    expect((await change(laptop, { old_password: PASSWORD, new_password: 'short' })).status).toBe(400);

    const changed = await change(laptop, { old_password: PASSWORD, new_password: 'a brand new secret' });
    expect(changed.status).toBe(200);
    const fresh = changed.body as Pair;
    expect((await me(fresh)).status).toBe(200);
    expect((await refresh(fresh.refresh_token)).status).toBe(200);
    for (const pair of [laptop, phone]) expect(await me(pair)).toMatchObject({ status: 401, code: 'revoked_token' });
    await demo.http().post('/auth/login').send({ username: 'pat', password: PASSWORD }).expect(401);
    expect((await me(await login('pat', 'a brand new secret'))).status).toBe(200);
  });
});
