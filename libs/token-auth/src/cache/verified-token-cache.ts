import type { TokenClaims } from '../format/token-claims.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { ResolvedVerifyCacheOptions } from './verify-cache-options.js';

/**
 * Bytes an entry is counted for: the token text, the strings and claims decoded from it (never more than three
 * times the text) and a fixed part for the claims object, the entry and the map and queue slots. An upper bound of
 * the V8 heap an entry holds (measured in BENCHMARKS.md, Memory).
 */
export function entryBytes(token: string): number {
  return ENTRY_OVERHEAD_BYTES + 3 * token.length;
}
const ENTRY_OVERHEAD_BYTES = 256;

/** Dropped slots at the front of the eviction queue before it is compacted. */
const COMPACT_AFTER = 1024;

/**
 * Characters at the end of a token its slot number is read from. They lie within its tag (the tag's 32 bytes are
 * the last 43 characters of the text), which no one without the key can choose for a token that verifies.
 */
const SLOT_CHARS = 6;

/**
 * The number the map is indexed by: the last SLOT_CHARS characters folded into 30 bits (a small integer, which V8
 * hashes and compares in a few instructions). Two tokens may share one; the entry's full text decides.
 */
function slotOf(token: string): number {
  let slot = 0;
  for (let i = Math.max(0, token.length - SLOT_CHARS); i < token.length; i++) {
    slot = (Math.imul(slot, 31) + token.charCodeAt(i)) & 0x3fffffff;
  }
  return slot;
}

interface Entry {
  /** The whole text that passed verification: the only string this entry answers. */
  readonly token: string;
  readonly claims: TokenClaims;
}

/**
 * Tokens that passed verification, with their claims (decoded once, frozen). An entry answers only a token equal
 * in full to the text it was stored for, so one token can never be answered with another's claims. The map finds
 * the entry by a number read from the token's last characters, which lie in its tag, rather than by the whole
 * text: a request brings its token as a new string every time, and V8 hashing all of it cost more than the rest
 * of a cache hit. Two tokens with one slot number share a slot and the later one takes it; a string ending like a
 * cached token but differing anywhere else is a miss, verified from its bytes (and refused if forged).
 *
 * Every entry was checked against one key ring, `ring`: adding a token verified under another ring (a reload or
 * a rotation) empties the cache first, so a hit whose `ring` is the ring in use means "this text's tag matched a key
 * of the ring in use". Nothing else is kept: the clock, the key's retirement and revocations are checked again on
 * every use.
 *
 * Bounded in entries and bytes; the oldest entry goes first (tokens of one lifetime expire in the order they were
 * cached). The order is kept in a queue of the slots beside the map rather than read from the map's own order: a
 * `Map` keeps the slots of deleted keys until it rehashes, so finding its oldest key walks every one dropped
 * before it.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<number, Entry>();
  /** The slots of `entries` in the order they were added, from `head`; a slot emptied or taken since is skipped or dropped early. */
  private readonly queue: (number | undefined)[] = [];
  private head = 0;
  private heldBytes = 0;
  private verifiedUnder: KeyRing | undefined;

  constructor(private readonly limits: ResolvedVerifyCacheOptions) {}

  /** The ring every entry was verified under. */
  get ring(): KeyRing | undefined {
    return this.verifiedUnder;
  }

  /** The claims cached for exactly `token`: it passed verification under `ring`. */
  get(token: string): TokenClaims | undefined {
    // Not a string: a caller's bug, which verification answers with token_missing.
    if (typeof token !== 'string') return undefined;
    const entry = this.entries.get(slotOf(token));
    return entry !== undefined && entry.token === token ? entry.claims : undefined;
  }

  /** Keeps `claims` for `token`, verified with a key of `ring`, dropping the oldest entries to stay within both bounds. */
  add(token: string, claims: TokenClaims, ring: KeyRing): void {
    if (ring !== this.verifiedUnder) this.clear(ring);
    const bytes = entryBytes(token);
    if (bytes > this.limits.maxBytes) return;
    const slot = slotOf(token);
    const held = this.entries.get(slot);
    if (held !== undefined) this.remove(slot, held);
    while (this.entries.size >= this.limits.maxEntries || this.heldBytes + bytes > this.limits.maxBytes) {
      this.dropOldest();
    }
    this.entries.set(slot, { token, claims });
    this.queue.push(slot);
    this.heldBytes += bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  private clear(ring: KeyRing): void {
    this.verifiedUnder = ring;
    this.entries.clear();
    this.queue.length = 0;
    this.head = 0;
    this.heldBytes = 0;
  }

  private remove(slot: number, entry: Entry): void {
    this.entries.delete(slot);
    this.heldBytes -= entryBytes(entry.token);
  }

  private dropOldest(): void {
    const slot = this.queue[this.head]!;
    this.queue[this.head++] = undefined;
    const entry = this.entries.get(slot);
    if (entry !== undefined) this.remove(slot, entry);
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}
