import { describe, expect, it } from '@jest/globals';
import { MANUAL_CLOCK_START, ManualClock } from './manual-clock.js';

describe('ManualClock', () => {
  it('starts at MANUAL_CLOCK_START, or where told, and stands still', () => {
    expect(new ManualClock().now()).toBe(MANUAL_CLOCK_START);
    expect(new ManualClock(1_700_000_000_000).now()).toBe(1_700_000_000_000);
    expect(new ManualClock(new Date('2030-05-01T00:00:00Z')).now()).toBe(Date.UTC(2030, 4, 1));
    const clock = new ManualClock();
    expect(clock.now()).toBe(clock.now());
  });

  it('advances by milliseconds, back too, and returns the new time', () => {
    const clock = new ManualClock(1000);
    expect(clock.advance(500)).toBe(1500);
    expect(clock.advance(-1500)).toBe(0);
    expect(clock.now()).toBe(0);
  });

  it('is set to a number or a Date', () => {
    const clock = new ManualClock();
    expect(clock.set(42)).toBe(42);
    clock.set(new Date(7));
    expect(clock.now()).toBe(7);
  });

  it('hands on `now` unbound, as Date.now is passed', () => {
    const clock = new ManualClock(10);
    const { now } = clock;
    clock.advance(5);
    expect(now()).toBe(15);
  });

  it('refuses a time that is not a finite number', () => {
    expect(() => new ManualClock(Number.NaN)).toThrow(RangeError);
    expect(() => new ManualClock(new Date('not a date'))).toThrow(RangeError);
    expect(() => new ManualClock().advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => new ManualClock().set(Number.NaN)).toThrow(RangeError);
  });
});
