import type { TokenClaims } from '../format/token-claims.js';
import { MIN_TOKEN_LENGTH } from '../format/token-format.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { ResolvedVerifyCacheOptions } from '../options/verify-cache-options.js';
import type { CaveatChecks } from './caveat-checks.js';

/**
 * Bytes an entry is counted for: the token text (never counted shorter than the shortest token), the strings and
 * claims decoded from it (never more than three times the text) and a fixed part for the claims object, the map's
 * slot and the ring's two positions. An upper bound of the V8 heap an entry holds (measured in BENCHMARKS.md,
 * Memory).
 */
export function entryBytes(token: string): number {
  return ENTRY_OVERHEAD_BYTES + 3 * Math.max(token.length, MIN_TOKEN_LENGTH);
}
const ENTRY_OVERHEAD_BYTES = 256;
const MIN_ENTRY_BYTES = ENTRY_OVERHEAD_BYTES + 3 * MIN_TOKEN_LENGTH;

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

/**
 * Tokens that passed verification, with their claims (decoded once, frozen). An entry answers only a token equal
 * in full to the text it was stored for, so one token can never be answered with another's claims. The map finds
 * the entry by a number read from the token's last characters, which lie in its tag, rather than by the whole
 * text: a request brings its token as a new string every time, and V8 hashing all of it cost more than the rest
 * of a cache hit. Two tokens with one slot number share a slot and the later one takes it; a string ending like a
 * cached token but differing anywhere else is a miss, verified from its bytes (and refused if forged).
 *
 * Every entry was checked against a key of one key ring, `ring`, so a hit whose `ring` is the ring in use means
 * "this text's tag matched a key of the ring in use". When another ring comes into use (a reload, a rotation), the
 * cache follows it (`follow`): its entries stand if the new ring holds every key of the old one, unchanged, as after a
 * reload that changed nothing (a token naming an unknown key asks for one) or one that added a key; otherwise (a key
 * removed, or its bytes changed) it is emptied.
 * Nothing else is kept: the clock, whether the ring still accepts the key and revocations are checked again on every
 * use.
 *
 * A token is cached on its second verification (`AdmissionFilter`, below): one verified once and never again is not kept.
 *
 * Bounded in entries and bytes; the oldest entry goes first (tokens of one lifetime expire in the order they were
 * cached). Entries sit in a ring, oldest at `head`, and the map gives a slot's position: nothing is allocated per
 * entry beyond the map's own slot. The ring has as many positions as both bounds allow at most (`maxEntries`, and
 * what `maxBytes` holds of the shortest token), so it never grows past what the bytes bound can fill.
 */
export class VerifiedTokenCache {
  /** Slot number to position in the ring. */
  private readonly positions = new Map<number, number>();
  private readonly tokens: (string | undefined)[] = [];
  private readonly claims: (TokenClaims | undefined)[] = [];
  /** An attenuated token's caveats as the checks each request passes, made when it was verified. */
  private readonly checks: (CaveatChecks | undefined)[] = [];
  private head = 0;
  private count = 0;
  private heldBytes = 0;
  private verifiedUnder: KeyRing | undefined;

  /** Positions in the ring: the most entries both bounds allow. */
  private readonly capacity: number;
  private readonly admission: AdmissionFilter;

  constructor(private readonly limits: ResolvedVerifyCacheOptions) {
    this.capacity = Math.max(1, Math.min(limits.maxEntries, Math.floor(limits.maxBytes / MIN_ENTRY_BYTES)));
    this.admission = new AdmissionFilter(this.capacity);
  }

  /** The ring every entry was verified under. */
  get ring(): KeyRing | undefined {
    return this.verifiedUnder;
  }

  /**
   * Makes `ring`, the ring now in use, the one entries are verified under, and says whether the entries held still
   * stand: they do when every key of the previous ring that `ring` still holds is the same key (the same access MAC
   * key, compared by its bytes, since a reload builds new key objects). Otherwise the cache is emptied. A key that
   * left, or what else a key may change (its state, `retireAfter`, `signedUntil`), needs no emptying: a hit asks the
   * ring in use whether it accepts the key every time, so a token of a key gone is refused.
   */
  follow(ring: KeyRing): boolean {
    const previous = this.verifiedUnder;
    this.verifiedUnder = ring;
    if (previous === undefined || this.count === 0) return false;
    if (holdsKeysOf(ring, previous)) return true;
    this.clear();
    return false;
  }

  /** The claims cached for exactly `token`: it passed verification under `ring`. */
  get(token: string): TokenClaims | undefined {
    const at = this.find(token);
    return at === -1 ? undefined : this.claims[at];
  }

  /** The position of exactly `token`, for `claimsAt` and `checksAt`, or -1. */
  find(token: string): number {
    // Not a string: a caller's bug, which verification answers with token_missing.
    if (typeof token !== 'string') return -1;
    const at = this.positions.get(slotOf(token));
    return at !== undefined && this.tokens[at] === token ? at : -1;
  }

  /** The claims at a position `find` gave (the cache unchanged since). */
  claimsAt(at: number): TokenClaims {
    return this.claims[at]!;
  }

  /** The caveat checks at a position `find` gave: undefined for a token without caveats. */
  checksAt(at: number): CaveatChecks | undefined {
    return this.checks[at];
  }

  /**
   * `token` passed verification with a key of `ring`, giving `claims` (and `checks`, for an attenuated token). On
   * its second such verification they are kept, dropping the oldest entries to stay within both bounds; on its
   * first, only its slot number is noted.
   */
  add(token: string, claims: TokenClaims, ring: KeyRing, checks?: CaveatChecks): void {
    if (ring !== this.verifiedUnder) this.follow(ring);
    const slot = slotOf(token);
    if (!this.admission.admit(slot)) return;
    const bytes = entryBytes(token);
    const { maxBytes } = this.limits;
    if (bytes > maxBytes) return;
    const held = this.positions.get(slot);
    if (held !== undefined) {
      // The same text again, or another token with its slot number: it takes the position, and its age.
      this.heldBytes += bytes - entryBytes(this.tokens[held]!);
      this.tokens[held] = token;
      this.claims[held] = claims;
      this.checks[held] = checks;
      while (this.heldBytes > maxBytes) this.dropOldest();
      return;
    }
    while (this.count >= this.capacity || this.heldBytes + bytes > maxBytes) this.dropOldest();
    // The ring fills by appending until it wraps: `at` is never past the arrays' end.
    let at = this.head + this.count;
    if (at >= this.capacity) at -= this.capacity;
    this.tokens[at] = token;
    this.claims[at] = claims;
    this.checks[at] = checks;
    this.positions.set(slot, at);
    this.count++;
    this.heldBytes += bytes;
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  private clear(): void {
    this.positions.clear();
    this.tokens.length = 0;
    this.claims.length = 0;
    this.checks.length = 0;
    this.head = 0;
    this.count = 0;
    this.heldBytes = 0;
  }

  private dropOldest(): void {
    const token = this.tokens[this.head]!;
    this.positions.delete(slotOf(token));
    this.tokens[this.head] = undefined;
    this.claims[this.head] = undefined;
    this.checks[this.head] = undefined;
    this.heldBytes -= entryBytes(token);
    if (++this.head === this.capacity) this.head = 0;
    this.count--;
  }
}

/** Whether every key of `previous` that `next` still holds is the same key (the same access MAC key, by its bytes). */
function holdsKeysOf(next: KeyRing, previous: KeyRing): boolean {
  for (const { id } of previous.describe()) {
    const after = next.get(id);
    if (after !== undefined && !after.macKeys.access.equals(previous.get(id)!.macKeys.access)) return false;
  }
  return true;
}

/**
 * The verified-token cache's admission filter: the slot numbers of tokens verified once and not cached. The cache takes a
 * token on its second verification, so a token presented once (a flood of new tokens, a client that logs in for
 * one call) costs the uncached verification and leaves nothing behind. Caching every such token kept its text and
 * claims alive until evicted, and collecting them cost more than the cache saves (BENCHMARKS.md, Instruction counts).
 *
 * One fixed table of numbers, allocated once: a token's number lands in one cell, and a later token landing there
 * replaces it, so a token may wait for a third verification to be cached; a token whose number equals one noted
 * (two tokens ending alike) is cached on its first. It decides only what is cached, never what is accepted: whatever
 * it answers, the token it is asked about has just passed verification.
 */
export class AdmissionFilter {
  private readonly seen: Int32Array;
  private readonly shift: number;

  /** A table of `cells` rounded up to a power of two, from 16 to 2^20 cells (4 MiB, whatever the cache's bounds). */
  constructor(cells: number) {
    const bits = Math.min(20, Math.max(4, Math.ceil(Math.log2(cells))));
    this.seen = new Int32Array(2 ** bits).fill(-1);
    this.shift = 32 - bits;
  }

  /**
   * Whether a token with this slot number (0 to 2^30 - 1) is cached now: yes when the number was noted since its cell
   * last changed (the token's second verification); otherwise the number is noted, and the answer is no.
   */
  admit(slot: number): boolean {
    // Fibonacci hashing: the cell from the product's high bits, which every bit of the slot number reaches.
    const cell = Math.imul(slot, 0x9e3779b1) >>> this.shift;
    if (this.seen[cell] === slot) return true;
    this.seen[cell] = slot;
    return false;
  }
}
