import type { ChainLink } from '../format/attenuated-codec.js';
import { OFFSET_TOKEN_ID } from '../format/token-format.js';
import type { KeyRing } from '../keys/key-ring.js';

/** Slots of the table (a power of two): parents whose children are verified at about the same time. */
const SLOTS = 1024;

interface Held {
  ring: KeyRing;
  /** Bytes of the parent's body. */
  length: number;
  /** A copy of the body as big-endian 32-bit words, the last padded with zeros: a hit must match it in full. */
  words: Uint32Array;
  /** t0 = HMAC(macKey, body), the parent's tag. */
  tag: ChainLink;
}

/**
 * Parent tags of attenuated tokens, so that a child whose parent's body was verified before costs one HMAC per
 * caveat and no HMAC over the body. t0 = HMAC(macKey, body) depends only on the body's bytes and the key: a slot
 * answers only for a body equal to its copy in every byte, verified under the same ring object (a reloaded or
 * rotated ring is a new object, so its first verification of each parent computes t0 again). Only bodies whose
 * whole chain matched are kept, so a client cannot fill it; a new parent takes the slot of one it collides with,
 * and its copy goes into the slot's words. Direct-mapped by the parent's token id, 128 random bits. What it holds,
 * the parent's tag, is what the verified-token cache holds too for a plain token: the token itself.
 *
 * Bodies are read and compared four bytes at a time through a DataView, which V8 compiles to loads: comparing and
 * copying with Buffer's methods cost a call into C++ each, more than the comparison.
 */
export class ParentTagCache {
  private readonly slots = new Array<Held | undefined>(SLOTS);

  /** t0 for the body in the first `bodyLength` bytes `view` reads, if it was kept for this ring. */
  get(ring: KeyRing, view: DataView, bodyLength: number): ChainLink | undefined {
    const held = this.slots[slotOf(view)];
    if (held === undefined || held.ring !== ring || held.length !== bodyLength) return undefined;
    const { words } = held;
    // The token id first: a different parent in the slot differs there.
    const first = OFFSET_TOKEN_ID >> 2;
    if (wordAt(view, bodyLength, first + 1) !== words[first + 1]) return undefined;
    for (let i = 0, count = (bodyLength + 3) >> 2; i < count; i++) {
      if (wordAt(view, bodyLength, i) !== words[i]) return undefined;
    }
    return held.tag;
  }

  /** Keeps t0 for the body (a string: nothing can change it), and a copy of the body. */
  set(ring: KeyRing, view: DataView, bodyLength: number, tag: ChainLink): void {
    const slot = slotOf(view);
    const count = (bodyLength + 3) >> 2;
    const held = (this.slots[slot] ??= { ring, length: 0, words: new Uint32Array(count), tag });
    if (held.words.length < count) held.words = new Uint32Array(count);
    const { words } = held;
    for (let i = 0; i < count; i++) words[i] = wordAt(view, bodyLength, i);
    held.ring = ring;
    held.length = bodyLength;
    held.tag = tag;
  }
}

/** Word `i` of the first `length` bytes; bytes past the end read as zeros. */
function wordAt(view: DataView, length: number, i: number): number {
  const at = 4 * i;
  if (at + 4 <= length) return view.getUint32(at);
  let word = 0;
  for (let k = 0; k < 4; k++) word = (word << 8) | (at + k < length ? view.getUint8(at + k) : 0);
  return word >>> 0;
}

function slotOf(view: DataView): number {
  return view.getUint32(OFFSET_TOKEN_ID) & (SLOTS - 1);
}
