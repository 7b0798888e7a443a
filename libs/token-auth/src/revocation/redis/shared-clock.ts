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

  now(): number {
    return Math.round(this.clock() + this.offset);
  }
}
