import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import request from 'supertest';
import { generateKey, KeyRingManager, parseKeyText, StaticKeyProvider, TokenService } from 'nestjs-token-auth';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import { RedisServer } from '../support/redis-server.js';
import { guardedAppModule } from './guarded-app.js';
import { captureOutput, expectNoSecrets, secretForms } from './output-capture.js';

jest.setTimeout(60_000);

async function eventually(condition: () => boolean, what: string): Promise<void> {
  await eventuallyAsync(async () => condition(), what);
}

async function eventuallyAsync(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('secrets never logged: Redis revocation failures', () => {
  const password = randomBytes(24).toString('base64url');
  let server: RedisServer;
  let app: INestApplication | undefined;
  let capture: ReturnType<typeof captureOutput> | undefined;
  let publisher: Redis | undefined;

  beforeAll(async () => {
    // The default user stays open for the helper's readiness check; the app signs in as "app" with a password.
    server = await RedisServer.start(['--user', 'app', 'on', `>${password}`, '~*', '&*', '+@all']);
  });

  afterEach(async () => {
    publisher?.disconnect();
    await app?.close();
    capture?.stop();
  });

  afterAll(async () => {
    await server.kill();
  });

  it('logs an outage, a revocation queued offline, failing closed, the resync and malformed messages without the Redis password, keys or tokens', async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const url = `redis://app:${password}@127.0.0.1:${server.port}`;
    const key = generateKey();
    capture = captureOutput();

    const appModule = guardedAppModule({
      keyProvider: new StaticKeyProvider([key]),
      revocationStore: new RedisRevocationStore({ connection: url, maxStaleness: 30, writeTimeout: 300, clock }),
      clock,
    });
    app = await NestFactory.create(appModule, { logger: capture.logger, abortOnError: false });
    await app.init();
    const tokens = app.get(TokenService);
    const pairs = [tokens.issuePair('user-1'), tokens.issuePair('user-2'), tokens.issuePair('user-3')];
    const all = pairs.flatMap((pair) => [pair.access.token, pair.refresh.token]);
    await tokens.revoke(pairs[0]!.access.token);

    await server.kill();
    const offline = await tokens.revokeSession(pairs[1]!.access.claims.sid);
    expect(offline).toEqual({ persisted: false });
    await expect(tokens.refresh(pairs[2]!.refresh.token)).rejects.toMatchObject({ code: 'revocation_unavailable' });
    offset += 31_000;
    const stale = await request(app.getHttpServer())
      .get('/private')
      .set('Authorization', `Bearer ${pairs[2]!.access.token}`);
    expect(stale.status).toBe(503);

    const syncs = () => (capture!.text().match(/revocations synchronised with Redis/g) ?? []).length;
    const syncsBefore = syncs();
    await server.start();
    await eventually(() => syncs() > syncsBefore, 'the store resyncs');
    publisher = new Redis({ port: server.port, host: '127.0.0.1', username: 'app', password });
    // What anyone with access to Redis could publish: broken JSON around a token, and a bare token.
    for (const message of [`[["t","${pairs[2]!.access.token}"`, pairs[2]!.refresh.token]) {
      const heard = (capture.text().match(/ignored a malformed message/g) ?? []).length;
      await eventuallyAsync(
        async () => (await publisher!.publish('nta:revocation:events', message)) > 0,
        'the store subscribes',
      );
      await eventually(
        () => (capture!.text().match(/ignored a malformed message/g) ?? []).length > heard,
        'the message is logged',
      );
    }

    const output = capture.text();
    expect(output).toMatch(/lost the Redis subscription/);
    expect(output).toMatch(/failing closed/);
    const secrets = new Map<string, string[]>([
      ['the Redis password', [password, encodeURIComponent(password)]],
      ['the Redis URL', [url]],
      ['the master key', secretForms(parseKeyText(key.key, 'test key'))],
    ]);
    const ring = app.get(KeyRingManager).current.active;
    for (const purpose of ['access', 'refresh'] as const)
      secrets.set(`${purpose} MAC key`, secretForms(ring.macKeys[purpose].export()));
    all.forEach((token, index) => secrets.set(`token #${index + 1}`, [token, token.slice('nta1.'.length)]));
    expectNoSecrets(output, secrets);
    expectNoSecrets(stale.text + JSON.stringify(stale.headers), secrets);
  });
});
