import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { KeyRing } from '../keys/key-ring.js';
import { ParentTagCache } from './parent-tag-cache.js';

const ringA = {} as KeyRing;
const ringB = {} as KeyRing;

/** A body of `length` bytes with a random token id (bytes 11 to 26), in a buffer longer than it. */
function body(length = 80): Buffer {
  return Buffer.concat([randomBytes(length), randomBytes(40)]);
}

describe('ParentTagCache', () => {
  it('answers a body only with the tag kept for exactly its bytes, under the same ring', () => {
    const cache = new ParentTagCache();
    const bytes = body();
    const tag = randomBytes(32);
    cache.set(ringA, bytes, 80, tag);
    expect(cache.get(ringA, bytes, 80)).toEqual(tag);
    expect(cache.get(ringB, bytes, 80)).toBeUndefined();
    expect(cache.get(ringA, bytes, 79)).toBeUndefined();
    // Same token id (same slot), one byte of the body different: no answer.
    const edited = Buffer.from(bytes);
    edited[60]! ^= 1;
    expect(cache.get(ringA, edited, 80)).toBeUndefined();
    // The bytes after the body do not matter: they are the caveats.
    const longer = Buffer.from(bytes);
    longer[90]! ^= 1;
    expect(cache.get(ringA, longer, 80)).toEqual(tag);
  });

  it('keeps copies: changing the caller’s buffers afterwards changes nothing', () => {
    const cache = new ParentTagCache();
    const bytes = body();
    const tag = randomBytes(32);
    const kept = Buffer.from(tag);
    cache.set(ringA, bytes, 80, tag);
    tag.fill(0);
    const original = Buffer.from(bytes);
    bytes.fill(0, 30, 80);
    expect(cache.get(ringA, original, 80)).toEqual(kept);
  });
});
