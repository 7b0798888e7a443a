import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { ChainLink } from '../format/attenuated-codec.js';
import type { KeyRing } from '../keys/key-ring.js';
import { ParentTagCache } from './parent-tag-cache.js';

const ringA = {} as KeyRing;
const ringB = {} as KeyRing;

/** A body of `length` bytes with a random token id (bytes 11 to 26), in a buffer longer than it. */
function body(length = 80): Buffer {
  return Buffer.concat([randomBytes(length), randomBytes(40)]);
}

function viewOf(bytes: Buffer): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
}

describe('ParentTagCache', () => {
  it('answers a body only with the tag kept for exactly its bytes, under the same ring', () => {
    const cache = new ParentTagCache();
    const bytes = body(81);
    const tag = randomBytes(32).toString('latin1') as ChainLink;
    cache.set(ringA, viewOf(bytes), 81, tag);
    expect(cache.get(ringA, viewOf(bytes), 81)).toEqual(tag);
    expect(cache.get(ringB, viewOf(bytes), 81)).toBeUndefined();
    expect(cache.get(ringA, viewOf(bytes), 80)).toBeUndefined();
    // Same token id (same slot), one byte of the body different, anywhere, the last one too: no answer.
    for (const at of [0, 30, 60, 79, 80]) {
      const edited = Buffer.from(bytes);
      edited[at]! ^= 1;
      expect([at, cache.get(ringA, viewOf(edited), 81)]).toEqual([at, undefined]);
    }
    // The bytes after the body do not matter: they are the caveats.
    const longer = Buffer.from(bytes);
    longer[81]! ^= 1;
    longer[90]! ^= 1;
    expect(cache.get(ringA, viewOf(longer), 81)).toEqual(tag);
  });

  it('keeps a copy of the body: changing the caller’s buffer afterwards changes nothing', () => {
    const cache = new ParentTagCache();
    const bytes = body();
    const tag = randomBytes(32).toString('latin1') as ChainLink;
    cache.set(ringA, viewOf(bytes), 80, tag);
    const original = Buffer.from(bytes);
    bytes.fill(0, 30, 80);
    expect(cache.get(ringA, viewOf(original), 80)).toEqual(tag);
    expect(cache.get(ringA, viewOf(bytes), 80)).toBeUndefined();
  });

  it('answers only the latest parent of a slot, whose body it copied over the one before', () => {
    const cache = new ParentTagCache();
    const first = body(90);
    const second = body(77);
    // The same token id (bytes 11 to 26): the same slot.
    first.copy(second, 11, 11, 27);
    const firstTag = randomBytes(32).toString('latin1') as ChainLink;
    const secondTag = randomBytes(32).toString('latin1') as ChainLink;
    cache.set(ringA, viewOf(first), 90, firstTag);
    cache.set(ringB, viewOf(second), 77, secondTag);
    expect(cache.get(ringA, viewOf(first), 90)).toBeUndefined();
    expect(cache.get(ringB, viewOf(second), 77)).toEqual(secondTag);
    // The first's bytes past the second's length are still in the copy: a body of that length is still refused.
    const stale = Buffer.concat([second.subarray(0, 77), first.subarray(77)]);
    expect(cache.get(ringB, viewOf(stale), 90)).toBeUndefined();
    cache.set(ringA, viewOf(first), 90, firstTag);
    expect(cache.get(ringA, viewOf(first), 90)).toEqual(firstTag);
    expect(cache.get(ringB, viewOf(second), 77)).toBeUndefined();
  });
});
