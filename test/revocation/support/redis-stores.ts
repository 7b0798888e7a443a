import type { RevocationCheck } from 'nestjs-token-auth';
import { RedisRevocationStore, type RedisRevocationStoreOptions } from 'nestjs-token-auth/redis';
import { CapturedLogger } from '../../support/captured-logger.js';
import type { RedisServer } from '../../support/redis-server.js';

/** A token to check; its ids match no revocation unless `fields` names one. */
export function token(fields: Partial<RevocationCheck> = {}): RevocationCheck {
  return { jti: 'jti-none', sid: 'sid-none', sub: 'nobody', issuedAt: Date.now(), ...fields };
}

/** Started stores on a real redis-server, reconnecting fast, logging into a `CapturedLogger`; `closeAll` after each test. */
export class RedisStores {
  private readonly stores: RedisRevocationStore[] = [];

  constructor(private readonly defaults: Partial<RedisRevocationStoreOptions> = {}) {}

  async on(server: RedisServer, options: Partial<RedisRevocationStoreOptions> = {}): Promise<RedisRevocationStore> {
    const store = new RedisRevocationStore({
      connection: { port: server.port, host: '127.0.0.1', retryStrategy: () => 50 },
      logger: new CapturedLogger(),
      ...this.defaults,
      ...options,
    });
    this.stores.push(store);
    await store.start();
    return store;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.stores.splice(0).map((store) => store.onApplicationShutdown()));
  }
}
