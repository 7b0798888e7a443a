import { describe, expect, it } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { ExpiringMap } from './expiring-map.js';
import { ExpiryHeap } from './expiry-heap.js';
import { RevocationSet } from './revocation-set.js';

describe('ExpiryHeap', () => {
  it('hands out due items in expiry order and keeps the rest', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 })), fc.integer({ min: 0, max: 1000 }), (times, now) => {
        const heap = new ExpiryHeap<{ at: number }>();
        for (const at of times) heap.push({ at });
        const popped: number[] = [];
        for (let item = heap.popDue(now); item !== undefined; item = heap.popDue(now)) popped.push(item.at);
        expect(popped).toEqual(times.filter((at) => at <= now).sort((x, y) => x - y));
        expect(heap.size).toBe(times.filter((at) => at > now).length);
      }),
    );
  });
});

describe('memory after a burst of expiries', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heapUsed = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };

  it('returns to its baseline once 500 000 session revocations have expired (within 2 MB)', () => {
    let now = 1_700_000_000_000;
    const set = new RevocationSet(() => now);
    const baseline = heapUsed();
    for (let i = 0; i < 500_000; i++)
      set.add({ kind: 'session', id: `s${i}`.padStart(22, '0'), issuedBefore: 0, expiresAt: now + 1000 });
    expect(heapUsed() - baseline).toBeGreaterThan(20 * 1024 * 1024);
    now += 1001;
    set.sweep();
    expect(set.footprint).toBe(0);
    expect(heapUsed() - baseline).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('ExpiringMap', () => {
  it('keeps an entry up to and including its expiry, then frees it and its heap item', () => {
    const map = new ExpiringMap<number>();
    map.set('a', 1, 100);
    map.sweep(100);
    expect(map.get('a')).toBe(1);
    map.sweep(101);
    expect(map.has('a')).toBe(false);
    expect(map.footprint).toBe(0);
  });

  it('keeps an entry whose expiry moved later until the later expiry', () => {
    const map = new ExpiringMap<number>();
    map.set('a', 1, 100);
    map.set('a', 2, 200);
    map.sweep(150);
    expect(map.get('a')).toBe(2);
    map.sweep(201);
    expect(map.footprint).toBe(0);
  });
});

describe('RevocationSet', () => {
  it('never narrows an entry: the later cut-off, expiry and refresh side win, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            issuedBefore: fc.integer({ min: 1, max: 1000 }),
            expiresAt: fc.integer({ min: 1, max: 1000 }),
            refreshUntil: fc.integer({ min: 1, max: 5000 }),
          }),
          {
            minLength: 1,
          },
        ),
        (writes) => {
          const set = new RevocationSet(() => 0);
          for (const write of writes) set.add({ kind: 'user', id: 'u', ...write });
          const [entry] = [...set.entries()];
          expect(entry).toEqual({
            kind: 'user',
            id: 'u',
            issuedBefore: Math.max(...writes.map((w) => w.issuedBefore)),
            expiresAt: Math.max(...writes.map((w) => w.expiresAt)),
            refreshUntil: Math.max(...writes.map((w) => w.refreshUntil)),
          });
        },
      ),
    );
  });

  it('revokes a user’s tokens issued strictly before the cut-off', () => {
    const set = new RevocationSet(() => 0);
    set.add({ kind: 'user', id: 'u', issuedBefore: 500, expiresAt: 1000 });
    const token = { jti: 'j', sid: 's', sub: 'u' };
    expect(set.isRevoked({ ...token, issuedAt: 499 })).toBe(true);
    expect(set.isRevoked({ ...token, issuedAt: 500 })).toBe(false);
    expect(set.isRevoked({ ...token, sub: 'v', issuedAt: 0 })).toBe(false);
  });

  it('ignores entries that have already expired', () => {
    const set = new RevocationSet(() => 100);
    expect(set.add({ kind: 'token', id: 'j', issuedBefore: 0, expiresAt: 99 })).toBe(false);
    expect(set.footprint).toBe(0);
  });
});
