/** Login checks go before new hashes (registration, password change): a flood of sign-ups cannot starve logins. */
export type HashingLane = 'login' | 'hash';

/** Concurrent scrypt calls: half of libuv's default pool of 4, so the rest of the app keeps threads for its I/O. */
export const MAX_CONCURRENT_HASHES = 2;

/**
 * A bounded queue in front of scrypt. At most `concurrency` hashes run at once; waiting work starts in lane order
 * (every waiting login before any waiting hash) and in arrival order within a lane. Without it each request
 * adds a scrypt to libuv's FIFO queue, and a login waits behind every registration sent before it.
 */
export class HashingQueue {
  private running = 0;
  private readonly waiting: Record<HashingLane, (() => void)[]> = { login: [], hash: [] };

  constructor(private readonly concurrency = MAX_CONCURRENT_HASHES) {}

  async run<T>(lane: HashingLane, task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting[lane].push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next task, or free it.
      const next = this.waiting.login.shift() ?? this.waiting.hash.shift();
      if (next) next();
      else this.running--;
    }
  }
}
