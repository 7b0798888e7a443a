/** Login checks go before new hashes (registration, password change): a flood of sign-ups cannot starve logins. */
export type HashingLane = 'login' | 'hash';

/** Concurrent scrypt calls: half of libuv's default pool of 4, so the rest of the app keeps threads for its I/O. */
export const MAX_CONCURRENT_HASHES = 2;

/** How long a hash may wait for its turn before the queue refuses it (`HASHING_MAX_WAIT`'s default). */
export const DEFAULT_MAX_WAIT_MS = 1000;

// The mean follows recent hashes (the machine's load changes), each one counting for a fifth.
const MEAN_WEIGHT = 0.2;

export interface HashingQueueOptions {
  /** Hashes running at once. */
  concurrency?: number;
  /** A hash that would wait longer than this for a slot is refused at once (`HashingQueueFullError`). */
  maxWaitMs?: number;
  /** Milliseconds, for the durations; tests pass their own. */
  now?: () => number;
}

/** The queue would make this task wait past `maxWaitMs`: retry in `retryAfterMs`, when the queue ahead is served. */
export class HashingQueueFullError extends Error {
  override readonly name = 'HashingQueueFullError';

  constructor(readonly retryAfterMs: number) {
    super(`the password hashing queue is full; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/**
 * A bounded queue in front of scrypt. At most `concurrency` hashes run at once; waiting work starts in lane order
 * (every waiting login before any waiting hash) and in arrival order within a lane. Without it each request
 * adds a scrypt to libuv's FIFO queue, and a login waits behind every registration sent before it.
 *
 * It sheds load: a task that would wait longer than `maxWaitMs` for its turn (the tasks ahead of it in lane order,
 * times the mean duration of recent hashes, over `concurrency`) is refused at once with `HashingQueueFullError`,
 * rather than queued behind a flood whose callers will have given up by the time it is served.
 */
export class HashingQueue {
  private running = 0;
  private readonly waiting: Record<HashingLane, (() => void)[]> = { login: [], hash: [] };
  private readonly concurrency: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  /** Mean milliseconds of recent tasks; undefined until one has finished (nothing is refused before that). */
  private meanMs: number | undefined;

  constructor({
    concurrency = MAX_CONCURRENT_HASHES,
    maxWaitMs = DEFAULT_MAX_WAIT_MS,
    now = () => performance.now(),
  }: HashingQueueOptions = {}) {
    this.concurrency = concurrency;
    this.maxWaitMs = maxWaitMs;
    this.now = now;
  }

  /**
   * How long a task added now to `lane` would wait for a slot: its place in line (the waiting logins, and for a
   * hash the waiting hashes too, plus itself) served `concurrency` at a time at the mean duration.
   */
  expectedWaitMs(lane: HashingLane): number {
    if (this.running < this.concurrency || this.meanMs === undefined) return 0;
    const ahead = this.waiting.login.length + (lane === 'hash' ? this.waiting.hash.length : 0);
    return ((ahead + 1) * this.meanMs) / this.concurrency;
  }

  async run<T>(lane: HashingLane, task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      const wait = this.expectedWaitMs(lane);
      if (wait > this.maxWaitMs) throw new HashingQueueFullError(wait);
      await new Promise<void>((resolve) => this.waiting[lane].push(resolve));
    } else {
      this.running++;
    }
    const started = this.now();
    try {
      return await task();
    } finally {
      this.record(this.now() - started);
      // Hand the slot straight to the next task, or free it.
      const next = this.waiting.login.shift() ?? this.waiting.hash.shift();
      if (next) next();
      else this.running--;
    }
  }

  private record(durationMs: number): void {
    this.meanMs = this.meanMs === undefined ? durationMs : this.meanMs + MEAN_WEIGHT * (durationMs - this.meanMs);
  }
}
