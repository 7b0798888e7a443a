import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryRevocationStore, type RevocationStore } from 'nestjs-token-auth';
import { RedisServer } from '../support/redis-server.js';
import { RedisStores } from './support/redis-stores.js';

// One-time caveats of attenuated tokens are spent here (docs/token-format.md, section 9.3): the same contract for
// the memory store and Redis, whose SET NX makes it hold across instances.
const stores = new RedisStores();
let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
});

afterEach(() => stores.closeAll());

afterAll(async () => {
  await server.kill();
});

describe.each([
  ['memory', async () => [new MemoryRevocationStore()] as RevocationStore[]],
  ['redis, two instances', async () => [await stores.on(server), await stores.on(server)] as RevocationStore[]],
])('spendOnce (%s)', (_, make) => {
  it('spends an id once, whichever instance asks, and only that id', async () => {
    const [a, b = a] = (await make()) as [RevocationStore, RevocationStore?];
    const until = Date.now() + 60_000;
    const id = `once-${Math.random()}`;
    const answers = await Promise.all([a!.spendOnce!(id, until), b!.spendOnce!(id, until), a!.spendOnce!(id, until)]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    await expect(b!.spendOnce!(`${id}-other`, until)).resolves.toBe(true);
  });

  it('forgets an id once its token has expired', async () => {
    const [store] = await make();
    const id = `once-${Math.random()}`;
    await expect(store!.spendOnce!(id, Date.now() + 50)).resolves.toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    if (store instanceof MemoryRevocationStore) store.sweep();
    await expect(store!.spendOnce!(id, Date.now() + 60_000)).resolves.toBe(true);
  });
});

it('the Redis store rejects when Redis cannot answer, rather than let an id be spent twice', async () => {
  const own = await RedisServer.start();
  const store = await stores.on(own, { writeTimeout: 200 });
  await own.kill();
  await expect(store.spendOnce('once-x', Date.now() + 60_000)).rejects.toThrow();
});
