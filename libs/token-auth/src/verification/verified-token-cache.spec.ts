import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { TokenClaims } from '../format/token-claims.js';
import { MIN_TOKEN_LENGTH } from '../format/token-format.js';
import type { KeyRing } from '../keys/key-ring.js';
import { AdmissionFilter, entryBytes, VerifiedTokenCache } from './verified-token-cache.js';
import { DEFAULT_VERIFY_CACHE } from '../options/defaults.js';

/** A ring as the cache sees it: ids and their access MAC keys. */
function ringOf(keys: Record<string, KeyObject>): KeyRing {
  return {
    describe: () => Object.keys(keys).map((id) => ({ id, state: 'active' })),
    get: (id: string) => (keys[id] === undefined ? undefined : { id, macKeys: { access: keys[id] } }),
  } as unknown as KeyRing;
}
const secret = () => createSecretKey(randomBytes(32));
const ring = ringOf({ k1: secret() });
const claimsFor = (sub: string) => ({ sub }) as TokenClaims;
/** A token's first and second verification: the second is the one that caches it. */
const store = (cache: VerifiedTokenCache, token: string, claims: TokenClaims, under: KeyRing) => {
  cache.add(token, claims, under);
  cache.add(token, claims, under);
};

describe('VerifiedTokenCache', () => {
  it('caches a token on its second verification, and holds nothing for tokens verified once', () => {
    const cache = new VerifiedTokenCache(DEFAULT_VERIFY_CACHE);
    for (let i = 0; i < 1000; i++) cache.add(`once${i}`, claimsFor(`once${i}`), ring);
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
    expect(cache.get('once7')).toBeUndefined();
    cache.add('once7', claimsFor('once7'), ring);
    expect(cache.get('once7')?.sub).toBe('once7');
    expect([cache.size, cache.bytes]).toEqual([1, entryBytes('once7')]);
  });

  it('answers a token only with what was stored for that exact text', () => {
    const cache = new VerifiedTokenCache(DEFAULT_VERIFY_CACHE);
    const token = 'nta1.' + 'A'.repeat(120);
    store(cache, token, claimsFor('a'), ring);
    expect(cache.get(token)?.sub).toBe('a');
    // Same length, same prefix, same suffix: different tokens, no answer.
    expect(cache.get('nta1.' + 'A'.repeat(60) + 'B' + 'A'.repeat(59))).toBeUndefined();
    expect(cache.get(token.slice(0, -1))).toBeUndefined();
    expect(cache.get(token + 'A')).toBeUndefined();
  });

  it('gives a slot to the later of two tokens ending alike, answering each only for its own text', () => {
    const cache = new VerifiedTokenCache(DEFAULT_VERIFY_CACHE);
    const end = 'Z'.repeat(40);
    const [first, second] = ['nta1.A' + end, 'nta1.B' + end];
    store(cache, first, claimsFor('first'), ring);
    expect(cache.get(second)).toBeUndefined();
    store(cache, second, claimsFor('second'), ring);
    expect(cache.get(first)).toBeUndefined();
    expect(cache.get(second)?.sub).toBe('second');
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(entryBytes(second));
  });

  it('stays within maxBytes when a longer token takes the slot of a shorter one', () => {
    const end = 'Z'.repeat(40);
    const [other, short, long] = [
      'nta1.' + 'Y'.repeat(140),
      'nta1.' + 'A'.repeat(100) + end,
      'nta1.' + 'B'.repeat(130) + end,
    ];
    const cache = new VerifiedTokenCache({ maxEntries: 10, maxBytes: entryBytes(other) + entryBytes(short) });
    store(cache, other, claimsFor('other'), ring);
    store(cache, short, claimsFor('short'), ring);
    store(cache, long, claimsFor('long'), ring);
    expect(cache.get(other)).toBeUndefined();
    expect(cache.get(long)?.sub).toBe('long');
    expect([cache.size, cache.bytes]).toEqual([1, entryBytes(long)]);
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, maxBytes: DEFAULT_VERIFY_CACHE.maxBytes });
    for (const token of ['t1', 't2', 't3']) store(cache, token, claimsFor(token), ring);
    expect(cache.size).toBe(2);
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.get('t2')?.sub).toBe('t2');
    expect(cache.get('t3')?.sub).toBe('t3');
  });

  it('holds at most maxBytes, and never an entry larger than that', () => {
    const maxBytes = entryBytes('t1') * 2;
    const cache = new VerifiedTokenCache({ maxEntries: 100, maxBytes });
    for (const token of ['t1', 't2', 't3']) store(cache, token, claimsFor(token), ring);
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBe(maxBytes);
    store(cache, 'x'.repeat(maxBytes), claimsFor('big'), ring);
    expect(cache.get('x'.repeat(maxBytes))).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('counts a token stored twice once', () => {
    const cache = new VerifiedTokenCache(DEFAULT_VERIFY_CACHE);
    store(cache, 't1', claimsFor('old'), ring);
    store(cache, 't1', claimsFor('new'), ring);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(entryBytes('t1'));
    expect(cache.get('t1')?.sub).toBe('new');
  });

  it('drops the oldest first when the bytes bound is reached before the entries bound, around the ring', () => {
    // Room for three of the shortest tokens, two of these: the ring has three positions and two are in use.
    const long = (i: number) => `t${String(i).padStart(2, '0')}`.padStart(200, '.');
    const cache = new VerifiedTokenCache({ maxEntries: 10, maxBytes: entryBytes('t') * 3 });
    for (let i = 0; i < 23; i++) store(cache, long(i), claimsFor(`t${i}`), ring);
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBe(entryBytes(long(0)) * 2);
    expect(cache.get(long(20))).toBeUndefined();
    expect([cache.get(long(21))?.sub, cache.get(long(22))?.sub]).toEqual(['t21', 't22']);
  });

  it('counts a token as long as the shortest token at least, so the ring never outgrows the bytes bound', () => {
    expect(entryBytes('t1')).toBe(entryBytes('x'.repeat(MIN_TOKEN_LENGTH)));
    expect(entryBytes('x'.repeat(MIN_TOKEN_LENGTH + 1))).toBe(entryBytes('t1') + 3);
  });

  it('keeps the order of adds across thousands of evictions', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 3, maxBytes: DEFAULT_VERIFY_CACHE.maxBytes });
    // Round the ring of 3 positions many times.
    for (let i = 0; i < 5000; i++) store(cache, `t${i}`, claimsFor(`t${i}`), ring);
    expect(cache.size).toBe(3);
    expect(cache.get('t4996')).toBeUndefined();
    expect([cache.get('t4997')?.sub, cache.get('t4998')?.sub, cache.get('t4999')?.sub]).toEqual([
      't4997',
      't4998',
      't4999',
    ]);
    expect(cache.bytes).toBe(entryBytes('t4997') * 3);
  });

  it('empties itself when a token verified under a ring with other bytes for one of its key ids is added', () => {
    const first = ringOf({ k1: secret(), k2: secret() });
    const reloaded = ringOf({ k1: secret(), k2: secret() });
    const cache = new VerifiedTokenCache(DEFAULT_VERIFY_CACHE);
    store(cache, 't1', claimsFor('t1'), first);
    expect(cache.ring).toBe(first);
    store(cache, 't2', claimsFor('t2'), reloaded);
    expect(cache.ring).toBe(reloaded);
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.get('t2')?.sub).toBe('t2');
    expect([cache.size, cache.bytes]).toEqual([1, entryBytes('t2')]);
  });

  it('follows a ring whose keys, where it still holds them, are unchanged (new key objects, the same bytes)', () => {
    const bytes = randomBytes(32);
    const first = ringOf({ k1: createSecretKey(bytes) });
    const reloaded = ringOf({ k1: createSecretKey(bytes), k2: secret() });
    const cache = new VerifiedTokenCache(DEFAULT_VERIFY_CACHE);
    store(cache, 't1', claimsFor('t1'), first);
    expect(cache.follow(reloaded)).toBe(true);
    expect(cache.ring).toBe(reloaded);
    expect(cache.get('t1')?.sub).toBe('t1');
    store(cache, 't2', claimsFor('t2'), reloaded);
    expect(cache.size).toBe(2);
    // Back to a ring without k2: entries stand; a hit on a token of k2 is refused by the ring's keyFor, which the
    // verifier asks on every hit (verify-cache.spec.ts).
    expect(cache.follow(ringOf({ k1: createSecretKey(bytes) }))).toBe(true);
    expect(cache.size).toBe(2);
  });
});

describe('AdmissionFilter', () => {
  it('answers false the first time it is asked about a number and true after, for numbers 0 to 2^30 - 1', () => {
    const seen = new AdmissionFilter(16);
    for (const slot of [0, 1, 12345, 2 ** 30 - 1]) {
      expect(seen.admit(slot)).toBe(false);
      expect(seen.admit(slot)).toBe(true);
    }
  });

  it('forgets a number whose cell a later number takes, so that token waits for another verification', () => {
    const seen = new AdmissionFilter(16);
    // 13 and 34 land in one cell of a 16-cell table.
    expect(seen.admit(13)).toBe(false);
    expect(seen.admit(34)).toBe(false);
    expect(seen.admit(13)).toBe(false);
    expect(seen.admit(13)).toBe(true);
  });

  it('has a cell for every position of the cache: as many consecutive numbers are all remembered', () => {
    const seen = new AdmissionFilter(10_000);
    // Fibonacci hashing spreads consecutive numbers over distinct cells of a table at least that large.
    let first = 0;
    for (let slot = 0; slot < 10_000; slot++) if (!seen.admit(slot)) first++;
    let remembered = 0;
    for (let slot = 0; slot < 10_000; slot++) if (seen.admit(slot)) remembered++;
    expect(first).toBe(10_000);
    expect(remembered).toBe(10_000);
  });

  it('can be made for any cache size: the table stops at 2^20 cells (4 MiB)', () => {
    // A table of 2^40 cells would be refused by V8 (4 TiB).
    const seen = new AdmissionFilter(2 ** 40);
    expect(seen.admit(1)).toBe(false);
    expect(seen.admit(1)).toBe(true);
  });
});
