/** The attempts counted for a key in its current window. */
export interface AttemptCount {
  /** Attempts in the window, this one included. */
  count: number;
  /** Milliseconds until the window ends and the count starts again from 0. */
  resetInMs: number;
  /** Takes this attempt back (it was not a failure), if its window is still open. */
  undo(): Promise<void>;
}

/** Counts attempts per key in fixed windows that start at a key's first attempt. */
export interface AttemptCounter {
  add(key: string, windowMs: number): Promise<AttemptCount>;
  close(): Promise<void>;
}

export const ATTEMPT_COUNTER = Symbol('demo:attempt-counter');

interface Window {
  count: number;
  resetAt: number;
}

/** In this process's memory: each instance counts alone. */
export class MemoryAttemptCounter implements AttemptCounter {
  private readonly windows = new Map<string, Window>();
  // Forgets finished windows, so memory follows the keys of the current windows only.
  private readonly sweeper = setInterval(() => this.sweep(), 60_000).unref();

  constructor(private readonly clock: () => number = Date.now) {}

  async add(key: string, windowMs: number): Promise<AttemptCount> {
    return this.addNow(key, windowMs);
  }

  /** `add`, without waiting: for callers that fall back to memory in the middle of a request. */
  addNow(key: string, windowMs: number): AttemptCount {
    const now = this.clock();
    let window = this.windows.get(key);
    if (window === undefined || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    const counted = window;
    return {
      count: counted.count,
      resetInMs: counted.resetAt - now,
      undo: async () => {
        if (this.windows.get(key) === counted && counted.resetAt > this.clock()) counted.count--;
      },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.clock();
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
