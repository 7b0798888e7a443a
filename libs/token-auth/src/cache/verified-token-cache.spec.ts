import { describe, expect, it } from '@jest/globals';
import type { TokenClaims } from '../format/token-claims.js';
import type { KeyObject } from 'node:crypto';
import { entryBytes, VerifiedTokenCache } from './verified-token-cache.js';
import { DEFAULT_VERIFY_CACHE } from './verify-cache-options.js';

const key = {} as KeyObject;
const claimsFor = (sub: string) => ({ sub }) as TokenClaims;

describe('VerifiedTokenCache', () => {
  it('answers a token only with what was stored for that exact text', () => {
    const cache = new VerifiedTokenCache(DEFAULT_VERIFY_CACHE);
    const token = 'nta1.' + 'A'.repeat(120);
    cache.add(token, claimsFor('a'), key);
    expect(cache.get(token)?.claims.sub).toBe('a');
    // Same length, same prefix, same suffix: different tokens, no answer.
    expect(cache.get('nta1.' + 'A'.repeat(60) + 'B' + 'A'.repeat(59))).toBeUndefined();
    expect(cache.get(token.slice(0, -1))).toBeUndefined();
    expect(cache.get(token + 'A')).toBeUndefined();
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, maxBytes: DEFAULT_VERIFY_CACHE.maxBytes });
    for (const token of ['t1', 't2', 't3']) cache.add(token, claimsFor(token), key);
    expect(cache.size).toBe(2);
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.get('t2')?.claims.sub).toBe('t2');
    expect(cache.get('t3')?.claims.sub).toBe('t3');
  });

  it('holds at most maxBytes, and never an entry larger than that', () => {
    const maxBytes = entryBytes('t1') * 2;
    const cache = new VerifiedTokenCache({ maxEntries: 100, maxBytes });
    for (const token of ['t1', 't2', 't3']) cache.add(token, claimsFor(token), key);
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBe(maxBytes);
    cache.add('x'.repeat(maxBytes), claimsFor('big'), key);
    expect(cache.get('x'.repeat(maxBytes))).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('counts a token added twice once, and frees its bytes when deleted', () => {
    const cache = new VerifiedTokenCache(DEFAULT_VERIFY_CACHE);
    cache.add('t1', claimsFor('old'), key);
    cache.add('t1', claimsFor('new'), key);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(entryBytes('t1'));
    expect(cache.get('t1')?.claims.sub).toBe('new');
    cache.delete('t1');
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });
});
