import { describe, expect, it } from '@jest/globals';
import { SecondSight } from './second-sight.js';

describe('SecondSight', () => {
  it('answers false the first time it is asked about a number and true after, for numbers 0 to 2^30 - 1', () => {
    const seen = new SecondSight(16);
    for (const slot of [0, 1, 12345, 2 ** 30 - 1]) {
      expect(seen.seenBefore(slot)).toBe(false);
      expect(seen.seenBefore(slot)).toBe(true);
    }
  });

  it('forgets a number whose cell a later number takes, so that token waits for another verification', () => {
    const seen = new SecondSight(16);
    // 13 and 34 land in one cell of a 16-cell table.
    expect(seen.seenBefore(13)).toBe(false);
    expect(seen.seenBefore(34)).toBe(false);
    expect(seen.seenBefore(13)).toBe(false);
    expect(seen.seenBefore(13)).toBe(true);
  });

  it('has a cell for every position of the cache: as many consecutive numbers are all remembered', () => {
    const seen = new SecondSight(10_000);
    // Fibonacci hashing spreads consecutive numbers over distinct cells of a table at least that large.
    let first = 0;
    for (let slot = 0; slot < 10_000; slot++) if (!seen.seenBefore(slot)) first++;
    let remembered = 0;
    for (let slot = 0; slot < 10_000; slot++) if (seen.seenBefore(slot)) remembered++;
    expect(first).toBe(10_000);
    expect(remembered).toBe(10_000);
  });

  it('can be made for any cache size: the table stops at 2^20 cells (4 MiB)', () => {
    // A table of 2^40 cells would be refused by V8 (4 TiB).
    const seen = new SecondSight(2 ** 40);
    expect(seen.seenBefore(1)).toBe(false);
    expect(seen.seenBefore(1)).toBe(true);
  });
});
