import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { MemoryAttemptCounter, type AttemptCount, type AttemptCounter } from './attempt-counter.js';

/** A login must not wait long for a counter: past this, the attempt is counted in memory instead. */
const COMMAND_TIMEOUT_MS = 500;

// One attempt: INCR, and PEXPIRE when it opened the window (or when a key somehow has no expiry). Returns the count
// and the milliseconds left in the window.
const ADD = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

// Takes an attempt back only while its window lasts: a DECR on an expired key would open a window with no expiry.
const UNDO = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECR', KEYS[1]) end
return 0
`;

type CounterCommands = Redis & {
  addAttempt(key: string, windowMs: number): Promise<[number, number]>;
  undoAttempt(key: string): Promise<number>;
};

/**
 * Counts in Redis, so every instance sharing it shares the counts (`<prefix><key>`, expiring with its window).
 * While Redis cannot answer (down, unreachable, slower than 500 ms), attempts are counted in this instance's
 * memory instead: logins keep working, limited per instance until Redis is back.
 */
export class RedisAttemptCounter implements AttemptCounter {
  private readonly client: CounterCommands;
  private readonly fallback = new MemoryAttemptCounter();
  private readonly logger = new Logger('LoginLimits');
  private usingFallback = false;

  constructor(
    connection: string | RedisOptions,
    private readonly prefix = 'demo:login-failures:',
  ) {
    // No offline queue: while disconnected a command fails at once, and the attempt is counted in memory.
    const options: RedisOptions = { commandTimeout: COMMAND_TIMEOUT_MS, enableOfflineQueue: false };
    const client =
      typeof connection === 'string' ? new Redis(connection, options) : new Redis({ ...connection, ...options });
    client.on('error', () => undefined); // reconnects by itself; a failed command is what falls back
    client.defineCommand('addAttempt', { numberOfKeys: 1, lua: ADD });
    client.defineCommand('undoAttempt', { numberOfKeys: 1, lua: UNDO });
    this.client = client as CounterCommands;
  }

  async add(key: string, windowMs: number): Promise<AttemptCount> {
    const redisKey = this.prefix + key;
    try {
      const [count, resetInMs] = await this.client.addAttempt(redisKey, windowMs);
      this.recovered();
      return {
        count,
        resetInMs,
        undo: () =>
          this.client.undoAttempt(redisKey).then(
            () => undefined,
            () => undefined, // the attempt stays counted: the safe side
          ),
      };
    } catch (error) {
      this.failed(error);
      return this.fallback.addNow(key, windowMs);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
    this.client.disconnect();
  }

  private failed(error: unknown): void {
    if (this.usingFallback) return;
    this.usingFallback = true;
    this.logger.warn(
      `Redis did not answer (${(error as Error).message}): counting failed logins in this instance's memory until it does`,
    );
  }

  private recovered(): void {
    if (!this.usingFallback) return;
    this.usingFallback = false;
    this.logger.log('Redis answers again: failed logins are counted in Redis');
  }
}
