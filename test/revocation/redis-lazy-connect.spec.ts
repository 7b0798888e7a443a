import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import { redisCommand } from '../support/redis-admin.js';
import { CapturedLogger } from '../support/captured-logger.js';
import { RedisServer } from '../support/redis-server.js';

/** Clients connected to the server, less the one asking. */
async function connectedClients(server: RedisServer): Promise<number> {
  const info = String(await redisCommand(server.url, 'INFO', 'clients'));
  return Number(/connected_clients:(\d+)/.exec(info)![1]) - 1;
}

/**
 * `revocationStore: new RedisRevocationStore(...)` is written in the options of `forRoot`, so the store is made when
 * the app module's file is imported: by a script, a CLI command or a unit test that never starts the app. Its own
 * connections open at `start()`, the module's bootstrap.
 */
describe('RedisRevocationStore connections', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterAll(async () => {
    await server.kill();
  });

  it.each([
    ['a URL', (url: string) => url],
    ['ioredis options', (url: string) => ({ port: Number(new URL(url).port), host: '127.0.0.1' })],
  ])('opens none when made from %s, and both at start()', async (_, connection) => {
    const store = new RedisRevocationStore({ connection: connection(server.url), logger: new CapturedLogger() });
    try {
      // An eager connection would have been accepted long before this.
      await sleep(300);
      expect(await connectedClients(server)).toBe(0);
      await store.start();
      expect(store.health().connected).toBe(true);
      expect(await connectedClients(server)).toBe(2);
    } finally {
      await store.onApplicationShutdown();
    }
  });
});
