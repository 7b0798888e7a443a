import { OFFSET_TOKEN_ID } from '../format/token-format.js';
import type { KeyRing } from '../keys/key-ring.js';

/** Slots of the table (a power of two): parents whose children are verified at about the same time. */
const SLOTS = 1024;

interface Held {
  readonly ring: KeyRing;
  /** A copy of the parent's body: a hit must match it byte for byte. */
  readonly body: Buffer;
  /** t0 = HMAC(macKey, body), the parent's tag. */
  readonly tag: Buffer;
}

/**
 * Parent tags of attenuated tokens, so that a child whose parent's body was verified before costs one HMAC per
 * caveat and no HMAC over the body. t0 = HMAC(macKey, body) depends only on the body's bytes and the key: a slot
 * answers only for a body equal to its copy in every byte, verified under the same ring object (a reloaded or
 * rotated ring is a new object, so its first verification of each parent computes t0 again). Only bodies whose
 * whole chain matched are kept, so a client cannot fill it; a new parent takes the slot of one it collides with.
 * Direct-mapped by the parent's token id, 128 random bits. What it holds, the parent's tag, is what the
 * verified-token cache holds too for a plain token: the token itself.
 */
export class ParentTagCache {
  private readonly slots = new Array<Held | undefined>(SLOTS);

  /** t0 for the body in the first `bodyLength` bytes of `bytes`, if it was kept for this ring. */
  get(ring: KeyRing, bytes: Buffer, bodyLength: number): Buffer | undefined {
    const held = this.slots[slotOf(bytes)];
    if (held === undefined || held.ring !== ring || held.body.length !== bodyLength) return undefined;
    return bytes.compare(held.body, 0, bodyLength, 0, bodyLength) === 0 ? held.tag : undefined;
  }

  set(ring: KeyRing, bytes: Buffer, bodyLength: number, tag: Buffer): void {
    this.slots[slotOf(bytes)] = { ring, body: Buffer.from(bytes.subarray(0, bodyLength)), tag: Buffer.from(tag) };
  }
}

function slotOf(bytes: Buffer): number {
  return bytes.readUInt32BE(OFFSET_TOKEN_ID) & (SLOTS - 1);
}
