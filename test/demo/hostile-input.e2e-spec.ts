import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRing, serializeRing } from 'nestjs-token-auth';
import { PasswordHasher } from '../../apps/demo/src/users/password-hasher.js';
import { MAX_BODY_BYTES } from '../../apps/demo/src/validation/body-limits.js';
import { until } from '../support/secrets-manager/helpers.js';
import { ADAPTERS, PASSWORD, startDemo, type DemoHarness } from './support/demo-harness.js';

/** `{"username": [[[…]]], "password": "…"}`, nested `depth` levels deep. */
const nested = (depth: number): string =>
  `{"username":${'['.repeat(depth)}${']'.repeat(depth)},"password":"${PASSWORD}"}`;

describe.each(ADAPTERS)('the demo under hostile requests (%s)', (adapter) => {
  describe('deeply nested and oversized JSON', () => {
    let demo: DemoHarness;
    let token: string;
    beforeAll(async () => {
      demo = await startDemo(adapter);
      await demo.register('nested');
      token = await demo.login('nested');
    });
    afterAll(() => demo?.close());

    it('answers 400 to a body nested 5000 levels deep (10 KB), on every route that reads a body', async () => {
      const body = nested(5000);
      expect(body.length).toBeLessThan(MAX_BODY_BYTES);
      for (const path of ['/auth/register', '/auth/login', '/auth/refresh', '/notes']) {
        const response = await demo
          .http()
          .post(path)
          .set('Authorization', token)
          .set('Content-Type', 'application/json')
          .send(body);
        expect(response.status).toBe(400);
        expect(response.body.message).toMatch(/nests deeper than/);
      }
    });

    it('answers 413 to a body over the limit, nested or not, before parsing it', async () => {
      for (const body of [
        nested(45_000),
        JSON.stringify({ username: 'nested', password: 'x'.repeat(MAX_BODY_BYTES) }),
      ]) {
        const response = await demo.http().post('/auth/login').set('Content-Type', 'application/json').send(body);
        expect(response.status).toBe(413);
      }
    });

    it('still accepts an ordinary flat body', async () => {
      await demo.http().post('/notes').set('Authorization', token).send({ text: 'flat' }).expect(201);
    });
  });

  describe('registration', () => {
    let demo: DemoHarness;
    beforeAll(async () => {
      demo = await startDemo(adapter, { LOGIN_RATE_LIMIT: '3' });
    });
    afterAll(() => demo?.close());

    it('is rate-limited per client IP like login: 429 with Retry-After past the limit', async () => {
      for (const name of ['reg-a', 'reg-b', 'reg-c']) await demo.register(name);
      const response = await demo.http().post('/auth/register').send({ username: 'reg-d', password: PASSWORD });
      expect(response.status).toBe(429);
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('a flood of registrations', () => {
    let demo: DemoHarness;
    beforeAll(async () => {
      // The whole flood is queued (no shedding): this is about the order it is served in.
      demo = await startDemo(adapter, { LOGIN_RATE_LIMIT: '1000000', HASHING_MAX_WAIT: '600000' });
      await demo.register('flooded');
    });
    afterAll(() => demo?.close());

    it('does not queue a login behind every registration sent before it', async () => {
      const FLOOD = 30;
      let registered = 0;
      const flood = Array.from({ length: FLOOD }, (_, i) =>
        demo
          .http()
          .post('/auth/register')
          .send({ username: `flood-${i}`, password: PASSWORD })
          .then((response) => {
            expect(response.status).toBe(201);
            registered++;
          }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200)); // the flood has reached the server
      await demo.login('flooded');
      const doneBeforeLogin = registered;
      await Promise.all(flood);
      // Logins go first: at most the hashes already running, and a few more, finish before it.
      expect(doneBeforeLogin).toBeLessThan(FLOOD / 2);
    }, 60_000);
  });

  describe('a stale key ring', () => {
    let demo: DemoHarness;
    let workDir: string;
    afterEach(async () => {
      await demo?.close();
      rmSync(workDir, { recursive: true, force: true });
    });

    it('makes login answer 503 key_ring_stale before any password hashing', async () => {
      workDir = mkdtempSync(join(tmpdir(), 'stale-ring-'));
      const file = join(workDir, 'keys.json');
      writeFileSync(file, serializeRing(createRing(new Date())));
      demo = await startDemo(adapter, {
        TOKEN_AUTH_KEYS_FILE: file,
        TOKEN_AUTH_REFRESH_INTERVAL: '0.2',
        TOKEN_AUTH_MAX_STALENESS: '0.5',
      });
      await demo.register('stale');
      writeFileSync(file, 'not a key ring');
      await until(
        async () => (await demo.http().get('/health')).body.keyRing === 'stale',
        10_000,
        'the ring goes stale',
      );
      const verify = jest.spyOn(demo.app.get(PasswordHasher), 'verify');
      const response = await demo.http().post('/auth/login').send({ username: 'stale', password: PASSWORD });
      expect(response.status).toBe(503);
      expect(response.body.code).toBe('key_ring_stale');
      expect(verify).not.toHaveBeenCalled();
      // The public health answers 503 too: every token is refused.
      expect((await demo.http().get('/health')).status).toBe(503);
    }, 20_000);
  });
});
