import { Redis } from 'ioredis';

/**
 * One command on a Redis the test started (never a shared one): a short-lived ioredis connection that does not
 * retry, so a test fails at once rather than hang when the server is gone.
 */
export async function redisCommand(url: string, command: string, ...args: (string | number)[]): Promise<unknown> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(command, ...args);
  } finally {
    client.disconnect();
  }
}

/** FLUSHALL: Redis loses every key at once (an operator's mistake, a failover to an empty replica). */
export async function flushAll(url: string): Promise<void> {
  const reply = await redisCommand(url, 'FLUSHALL');
  if (reply !== 'OK') throw new Error(`FLUSHALL answered ${String(reply)}`);
}
