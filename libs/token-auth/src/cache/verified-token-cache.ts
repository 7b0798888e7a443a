import type { TokenClaims } from '../format/token-claims.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { ResolvedVerifyCacheOptions } from './verify-cache-options.js';

/**
 * Bytes an entry is counted for: the token text it is keyed by, the strings and claims decoded from it (never more
 * than three times the text) and a fixed part for the claims object and the map and queue slots. An upper bound of
 * the V8 heap an entry holds (measured in BENCHMARKS.md, Memory).
 */
export function entryBytes(token: string): number {
  return ENTRY_OVERHEAD_BYTES + 3 * token.length;
}
const ENTRY_OVERHEAD_BYTES = 256;

/** Dropped slots at the front of the eviction queue before it is compacted. */
const COMPACT_AFTER = 1024;

/**
 * Tokens that passed verification, by their exact text, with their claims (decoded once, frozen). A map keyed by
 * the whole string, never by a hash or a prefix, so one token can never be answered with another's claims.
 *
 * Every entry was checked against one key ring, `ring`: adding a token verified under another ring (a reload or a
 * rotation) empties the cache first, so a hit whose `ring` is the ring in use means "this text's tag matched a key
 * of the ring in use". Nothing else is kept: the clock, the key's retirement and revocations are checked again on
 * every use.
 *
 * Bounded in entries and bytes; the oldest entry goes first (tokens of one lifetime expire in the order they were
 * cached). The order is kept in a queue of the keys beside the map rather than read from the map's own order: a
 * `Map` keeps the slots of deleted keys until it rehashes, so finding its oldest key walks every one dropped
 * before it.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, TokenClaims>();
  /** The keys of `entries` in the order they were added, from `head`. */
  private readonly queue: (string | undefined)[] = [];
  private head = 0;
  private heldBytes = 0;
  private verifiedUnder: KeyRing | undefined;

  constructor(private readonly limits: ResolvedVerifyCacheOptions) {}

  /** The ring every entry was verified under. */
  get ring(): KeyRing | undefined {
    return this.verifiedUnder;
  }

  /** The claims cached for `token`: it passed verification under `ring`. */
  get(token: string): TokenClaims | undefined {
    return this.entries.get(token);
  }

  /** Keeps `claims` for `token`, verified with a key of `ring`, dropping the oldest entries to stay within both bounds. */
  add(token: string, claims: TokenClaims, ring: KeyRing): void {
    if (ring !== this.verifiedUnder) this.clear(ring);
    const bytes = entryBytes(token);
    if (bytes > this.limits.maxBytes) return;
    while (this.entries.size >= this.limits.maxEntries || this.heldBytes + bytes > this.limits.maxBytes) {
      this.dropOldest();
    }
    const size = this.entries.size;
    this.entries.set(token, claims);
    // Already there (it was not dropped): the same text, counted and queued once.
    if (this.entries.size === size) return;
    this.queue.push(token);
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

  private dropOldest(): void {
    const token = this.queue[this.head]!;
    this.queue[this.head++] = undefined;
    this.entries.delete(token);
    this.heldBytes -= entryBytes(token);
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}
