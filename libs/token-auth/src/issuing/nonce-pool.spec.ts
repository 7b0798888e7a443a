import { describe, expect, it } from '@jest/globals';
import { NoncePool } from './nonce-pool.js';

describe('NoncePool', () => {
  it('hands out bytes of the requested length', () => {
    const pool = new NoncePool();
    expect(pool.take(16)).toHaveLength(16);
    expect(pool.take(1)).toHaveLength(1);
  });

  it('never hands out the same bytes twice, across many pool refills', () => {
    const pool = new NoncePool();
    const seen = new Set<string>();
    // A 4096-byte pool: 20 000 nonces refill it about 70 times, at uneven offsets.
    const count = 20_000;
    for (let i = 0; i < count; i++) seen.add(pool.take(i % 7 === 0 ? 9 : 16).toString('hex'));
    expect(seen.size).toBe(count);
  });

  it('hands out copies: refilling the pool does not change a nonce already given', () => {
    const pool = new NoncePool();
    const first = pool.take(16);
    const before = first.toString('hex');
    for (let i = 0; i < 600; i++) pool.take(16);
    expect(first.toString('hex')).toBe(before);
  });
});
