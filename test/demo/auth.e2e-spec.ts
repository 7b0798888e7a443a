import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { DATABASE } from '../../apps/demo/src/database/database.constants.js';
import { ADAPTERS, PASSWORD, startDemo, type DemoHarness } from './support/demo-harness.js';

describe.each(ADAPTERS)('demo auth routes (%s)', (adapter) => {
  let demo: DemoHarness;

  beforeAll(async () => {
    demo = await startDemo(adapter);
  });
  afterAll(() => demo?.close());

  describe('POST /auth/register', () => {
    it('creates a user: 201 with its id and name, never the password', async () => {
      const response = await demo.http().post('/auth/register').send({ username: 'alice', password: PASSWORD });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({ id: expect.any(Number), username: 'alice' });
    });

    it('stores a self-describing scrypt hash, not the password', async () => {
      await demo.register('hashcheck');
      const row = demo.app
        .get<Database.Database>(DATABASE)
        .prepare('SELECT password_hash FROM users WHERE username = ?')
        .get('hashcheck') as { password_hash: string };
      expect(row.password_hash).toMatch(/^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      expect(row.password_hash).not.toContain(PASSWORD);
    });

    it('answers 409 for a name that is taken, in any letter case', async () => {
      await demo.register('bob');
      for (const username of ['bob', 'BOB']) {
        const response = await demo.http().post('/auth/register').send({ username, password: 'another password' });
        expect(response.status).toBe(409);
        expect(response.body.message).toMatch(/taken/);
      }
    });

    it.each([
      ['no body', undefined, /username must be a string/],
      ['a short username', { username: 'ab', password: PASSWORD }, /username must be longer than or equal to 3/],
      [
        'a long username',
        { username: 'a'.repeat(65), password: PASSWORD },
        /username must be shorter than or equal to 64/,
      ],
      ['a username with a space', { username: 'al ice', password: PASSWORD }, /username may contain only/],
      ['a non-ASCII username', { username: 'alicé', password: PASSWORD }, /username may contain only/],
      ['a short password', { username: 'carol', password: 'short' }, /password must be longer than or equal to 8/],
      [
        'a long password',
        { username: 'carol', password: 'p'.repeat(257) },
        /password must be shorter than or equal to 256/,
      ],
      ['a numeric password', { username: 'carol', password: 12345678 }, /password must be a string/],
      [
        'an unknown property',
        { username: 'carol', password: PASSWORD, admin: true },
        /property admin should not exist/,
      ],
    ])('answers 400 with a message for %s', async (_case, body, message) => {
      const response = await demo.http().post('/auth/register').send(body);
      expect(response.status).toBe(400);
      expect((response.body.message as string[]).join('\n')).toMatch(message);
    });
  });

  describe('POST /auth/login', () => {
    beforeAll(() => demo.register('dave'));

    it('answers 200 with a bearer token that opens protected routes', async () => {
      const response = await demo.http().post('/auth/login').send({ username: 'dave', password: PASSWORD });
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({
        access_token: expect.stringMatching(/^nta1\./),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.stringMatching(/^nta1\./),
      });
      const me = await demo.http().get('/me').set('Authorization', `Bearer ${response.body.access_token}`);
      expect(me.status).toBe(200);
      expect(me.body.username).toBe('dave');
    });

    it('accepts the name in any letter case, as registration compares it', async () => {
      const me = (authorization: string) => demo.http().get('/me').set('Authorization', authorization);
      const upper = await me(await demo.login('DAVE'));
      expect(upper.status).toBe(200);
      expect(upper.body).toEqual((await me(await demo.login('dave'))).body);
    });

    it('answers 401 with one message for a wrong password and an unknown user', async () => {
      const wrong = await demo.http().post('/auth/login').send({ username: 'dave', password: 'not the password' });
      const unknown = await demo.http().post('/auth/login').send({ username: 'nobody', password: PASSWORD });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body.message).toBe('invalid username or password');
    });

    it.each([
      ['no password', { username: 'dave' }, /password must be a string/],
      ['an object username', { username: { $ne: '' }, password: PASSWORD }, /username must be a string/],
      [
        'an unknown property',
        { username: 'dave', password: PASSWORD, remember: true },
        /property remember should not exist/,
      ],
    ])('answers 400 with a message for %s', async (_case, body, message) => {
      const response = await demo.http().post('/auth/login').send(body);
      expect(response.status).toBe(400);
      expect((response.body.message as string[]).join('\n')).toMatch(message);
    });
  });
});

describe.each(ADAPTERS)('demo login rate limit (%s)', (adapter) => {
  let demo: DemoHarness;

  beforeAll(async () => {
    demo = await startDemo(adapter, { LOGIN_RATE_LIMIT: '4' });
    await demo.register('erin'); // one attempt of the budget
  });
  afterAll(() => demo?.close());

  it('answers 429 once a client has used its LOGIN_RATE_LIMIT attempts, even with the right password', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      await demo.http().post('/auth/login').send({ username: 'erin', password: 'a wrong guess' }).expect(401);
    }
    const blocked = await demo.http().post('/auth/login').send({ username: 'erin', password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts registration in the same budget: once it is used, registration is 429 too', async () => {
    const response = await demo.http().post('/auth/register').send({ username: 'frank', password: PASSWORD });
    expect(response.status).toBe(429);
  });
});
