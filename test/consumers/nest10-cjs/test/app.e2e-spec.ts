import { after, before, test } from 'node:test';
import { strict as assert } from 'node:assert';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../src/app.module';

let app: INestApplication;
let base: string;

before(async () => {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
});

after(() => app.close());

test('runs on the Node version it was asked to', () => {
  const expected = process.env.CONSUMER_NODE_MAJOR;
  if (expected !== undefined) assert.equal(process.versions.node.split('.')[0], expected);
});

test('GET / is public, GET /me is 401 with a challenge without a token and 200 with one', async () => {
  assert.equal((await fetch(`${base}/`)).status, 200);
  const anonymous = await fetch(`${base}/me`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer');
  const login = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'ada' }),
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${access_token}` } });
  assert.equal(me.status, 200);
  assert.deepEqual(await me.json(), { sub: 'ada', role: 'reader' });
  const bad = await fetch(`${base}/me`, { headers: { authorization: 'Bearer not-a-token' } });
  assert.equal(bad.status, 401);
});
