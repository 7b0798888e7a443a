/**
 * Redis's clock as seen from this instance: the offset from the local clock, measured from `TIME` at the middle of
 * a round trip. Tokens are stamped on it and `revokeAllForUser` cuts off on it, so instances whose clocks differ
 * still agree on what was issued before a cut-off (to within half a round trip).
 */
export class SharedClock {
  private offset = 0;

  constructor(private readonly clock: () => number) {}

  observe(redisTime: number, sentAt: number, receivedAt: number): void {
    this.offset = redisTime - (sentAt + receivedAt) / 2;
  }

  /** This instance's own clock, to time a round trip whose answer carries Redis's time. */
  local(): number {
    return this.clock();
  }

  /**
   * The deadline on Redis's clock for a script sent now under `timeoutMs`: half of it, leaving the other half for
   * this clock's error. A script reaching Redis later (its caller may have been answered) changes nothing.
   */
  deadline(timeoutMs: number): number {
    return this.now() + Math.floor(timeoutMs / 2);
  }

  now(): number {
    return Math.round(this.clock() + this.offset);
  }

  /** How far Redis's clock is ahead of this instance's (ms; negative: behind). */
  get offsetMs(): number {
    return Math.round(this.offset);
  }
}
