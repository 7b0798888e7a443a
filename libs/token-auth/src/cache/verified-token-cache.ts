import type { KeyObject } from 'node:crypto';
import type { TokenClaims } from '../format/token-claims.js';
import type { ResolvedVerifyCacheOptions } from './verify-cache-options.js';

/**
 * What the cache keeps of a token that passed every check: what its bytes say (decoded once, frozen) and the MAC
 * key whose HMAC matched its tag. Nothing here depends on the clock, the ring's current state or revocations:
 * those are checked again on every use.
 */
export interface VerifiedToken {
  readonly claims: TokenClaims;
  readonly key: KeyObject;
  readonly bytes: number;
}

/**
 * Bytes an entry is counted for: the token text it is keyed by, the strings and claims decoded from it (never more
 * than three times the text) and a fixed part for the entry, the claims object and the map slot. An upper bound
 * of the V8 heap an entry holds (measured in BENCHMARKS.md, Memory).
 */
export function entryBytes(token: string): number {
  return ENTRY_OVERHEAD_BYTES + 3 * token.length;
}
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * Tokens that passed verification, by their exact text. A map keyed by the whole string, never by a hash or a
 * prefix, so one token can never be answered with another's claims. Bounded in entries and bytes; the oldest
 * entry goes first (tokens of one lifetime expire in the order they were cached).
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, VerifiedToken>();
  private heldBytes = 0;

  constructor(private readonly limits: ResolvedVerifyCacheOptions) {}

  get(token: string): VerifiedToken | undefined {
    return this.entries.get(token);
  }

  /** Keeps `claims` for `token`, dropping the oldest entries to stay within both bounds. */
  add(token: string, claims: TokenClaims, key: KeyObject): void {
    const bytes = entryBytes(token);
    if (bytes > this.limits.maxBytes) return;
    this.delete(token);
    while (this.entries.size >= this.limits.maxEntries || this.heldBytes + bytes > this.limits.maxBytes) {
      this.delete(this.entries.keys().next().value!);
    }
    this.entries.set(token, { claims, key, bytes });
    this.heldBytes += bytes;
  }

  delete(token: string): void {
    const entry = this.entries.get(token);
    if (entry === undefined) return;
    this.entries.delete(token);
    this.heldBytes -= entry.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }
}
