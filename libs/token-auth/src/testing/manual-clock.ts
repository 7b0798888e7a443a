/** 2026-01-01T00:00:00Z: where a `ManualClock` starts unless told otherwise. */
export const MANUAL_CLOCK_START = Date.UTC(2026, 0, 1);

/**
 * A clock that moves only when a test moves it. `now` is a bound function, so pass it where the library takes a
 * clock, as you would pass `Date.now`:
 *
 * ```ts
 * const clock = new ManualClock();
 * TokenAuthModule.forRoot({ keyProvider, clock: clock.now });
 * clock.advance(61_000); // the 60 s access token has expired
 * ```
 */
export class ManualClock {
  private ms: number;

  /** Starts at `start` (milliseconds since the epoch, or a `Date`); default `MANUAL_CLOCK_START`. */
  constructor(start: number | Date = MANUAL_CLOCK_START) {
    this.ms = ManualClock.toMs(start, 'start');
  }

  /** Milliseconds since the epoch. Bound: `clock.now` can be handed on alone, like `Date.now`. */
  readonly now = (): number => this.ms;

  /** Moves the clock forward by `ms` milliseconds (negative moves it back); returns the new time. */
  advance(ms: number): number {
    if (!Number.isFinite(ms)) throw new RangeError(`advance takes a finite number of milliseconds, got ${ms}`);
    this.ms += ms;
    return this.ms;
  }

  /** Puts the clock at `time` (milliseconds since the epoch, or a `Date`); returns the new time. */
  set(time: number | Date): number {
    this.ms = ManualClock.toMs(time, 'set');
    return this.ms;
  }

  private static toMs(time: number | Date, what: string): number {
    const ms = time instanceof Date ? time.getTime() : time;
    if (!Number.isFinite(ms)) throw new RangeError(`${what} takes milliseconds since the epoch, got ${String(time)}`);
    return ms;
  }
}
