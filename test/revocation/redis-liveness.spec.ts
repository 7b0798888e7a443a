import { afterEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisRevocationStore, type RedisRevocationStoreOptions } from 'nestjs-token-auth/redis';
import { CapturedLogger } from '../support/captured-logger.js';
import { codeOf } from '../support/error-code.js';
import { eventually } from '../support/eventually.js';
import { RedisServer } from '../support/redis-server.js';
import { RedisStores, token } from './support/redis-stores.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A session or user revocation whose access-token and refresh windows both end a minute from now. */
const aMinute = () => ({ accessUntil: Date.now() + 60_000, refreshUntil: Date.now() + 60_000 });

const servers: RedisServer[] = [];
const stores = new RedisStores({ heartbeatInterval: 100, heartbeatTimeout: 300 });
const storeOn = (server: RedisServer, options?: Partial<RedisRevocationStoreOptions>) => stores.on(server, options);

async function server(): Promise<RedisServer> {
  const started = await RedisServer.start();
  servers.push(started);
  return started;
}

afterEach(async () => {
  for (const s of servers) if (s.running) s.resume();
  await stores.closeAll();
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

describe('RedisRevocationStore with a Redis that stops answering (SIGSTOP)', () => {
  it('counts maxStaleness from the last answer, fails closed, queues writes at once, and re-synchronises after SIGCONT', async () => {
    const redis = await server();
    const log = new CapturedLogger();
    const store = await storeOn(redis, { maxStaleness: 1, logger: log });
    const other = await storeOn(redis);
    redis.pause();
    const paused = Date.now();

    await eventually(
      () => codeOf(() => store.isRevoked(token())) === 'revocation_unavailable',
      'the store fails closed',
    );
    // From the last answer, not from when the hang was noticed: 1 s of staleness, not 1 s plus the deadline.
    expect(Date.now() - paused).toBeLessThan(1000 + 300 + 1000);
    expect(log.lines).toContainEqual(
      expect.stringMatching(/^warn revocations: lost the Redis subscription or connection \(no answer for 300 ms\)/),
    );
    expect(log.lines).toContainEqual(expect.stringMatching(/^error .*failing closed/));
    expect(store.health()).toMatchObject({ connected: false });

    // Known to be hung: queued without waiting out the write timeout.
    const started = Date.now();
    expect(await store.revokeSession('sid-during-hang', aMinute())).toEqual({ persisted: false });
    expect(Date.now() - started).toBeLessThan(1000);

    redis.resume();
    await eventually(
      () => store.health().connected === true && store.health().pendingWrites === 0,
      'the store re-synchronises',
    );
    expect(store.isRevoked(token())).toBe(false);
    expect(log.lines).toContainEqual(
      expect.stringMatching(/^log revocations synchronised with Redis: .* after \d+ ms without Redis/),
    );
    await eventually(
      () => other.isRevoked(token({ sid: 'sid-during-hang' })),
      'the other instance gets the queued revocation',
    );
  }, 30_000);

  it('does not take a quiet but answering Redis for a hung one', async () => {
    const redis = await server();
    const log = new CapturedLogger();
    const store = await storeOn(redis, { maxStaleness: 0, logger: log });
    await sleep(1500);
    expect(store.isRevoked(token())).toBe(false);
    expect(log.lines.filter((line) => line.startsWith('warn'))).toEqual([]);
  });
});

describe('RedisRevocationStore shutdown', () => {
  it('writes queued revocations when Redis comes back before the deadline', async () => {
    const redis = await server();
    const store = await storeOn(redis, { shutdownTimeout: 10_000 });
    await redis.kill();
    await eventually(() => store.health().connected === false, 'the store sees Redis gone');
    // Not persisted: the cut-off it reports is the latest Redis may yet hold, for the tokens issued here next.
    expect(await store.revokeUser('user-queued', Date.now(), aMinute())).toEqual({
      persisted: false,
      issuedBefore: expect.any(Number),
    });
    const closing = store.onApplicationShutdown();
    await sleep(300);
    await redis.start();
    await closing;
    const check = new Redis({ port: redis.port, host: '127.0.0.1' });
    expect(await check.exists('nta:revocation:u:user-queued')).toBe(1);
    check.disconnect();
  });

  it('logs each revocation it could not write by the deadline with its kind and id', async () => {
    const redis = await server();
    const log = new CapturedLogger();
    const store = await storeOn(redis, { shutdownTimeout: 500, logger: log });
    redis.pause();
    expect(await store.revokeSession('sid-unwritten', aMinute())).toEqual({ persisted: false });
    const started = Date.now();
    await store.onApplicationShutdown();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(log.lines).toContainEqual(
      'error revocations: 1 revocations were never written to Redis: session sid-unwritten',
    );
  });

  it('refuses a timeout or interval that is not a positive number of milliseconds', () => {
    const options = [
      'heartbeatInterval',
      'heartbeatTimeout',
      'shutdownTimeout',
      'writeTimeout',
      'startTimeout',
      'epochCheckInterval',
    ];
    for (const option of options) {
      for (const value of [0, -1, Number.NaN, '2000', 2 ** 31]) {
        expect(() => new RedisRevocationStore({ connection: 'redis://127.0.0.1:1', [option]: value })).toThrow(
          `${option} must be a number of milliseconds > 0 and <= 2147483647, got ${String(value)}`,
        );
      }
    }
    expect(() => new RedisRevocationStore({ connection: 'redis://127.0.0.1:1', writeTimeout: 99 })).toThrow(
      "writeTimeout must be at least 100 ms (a refresh's deadline on Redis's clock is half of it), got 99",
    );
  });
});
