import { ExpiringMap } from './expiring-map.js';
import type { RevocationCheck } from './revocation-store.interface.js';

export type RevocationKind = 'token' | 'session' | 'user';
export const REVOCATION_KINDS: readonly RevocationKind[] = ['token', 'session', 'user'];

/** One revocation. For `user`, tokens issued before `issuedBefore` are revoked; for the others it is 0. */
export interface Revocation {
  kind: RevocationKind;
  id: string;
  issuedBefore: number;
  expiresAt: number;
}

/**
 * The revocations one instance enforces: the whole memory store, or the local replica of a shared store.
 * A check is at most three map gets. Entries are dropped when they expire, so memory follows the live revocations.
 */
export class RevocationSet {
  private readonly maps: Record<RevocationKind, ExpiringMap<number>> = {
    token: new ExpiringMap(),
    session: new ExpiringMap(),
    user: new ExpiringMap(),
  };

  constructor(private readonly clock: () => number) {}

  isRevoked(token: RevocationCheck): boolean {
    if (this.maps.token.has(token.jti) || this.maps.session.has(token.sid)) return true;
    const issuedBefore = this.maps.user.get(token.sub);
    return issuedBefore !== undefined && token.issuedAt < issuedBefore;
  }

  /**
   * Adds or widens an entry: the later expiry and the later cut-off win, so replaying an entry (from pub/sub, a
   * resync or a write-back) is harmless. Returns false when the entry is expired or already covered.
   */
  add({ kind, id, issuedBefore, expiresAt }: Revocation): boolean {
    if (expiresAt < this.clock()) return false;
    const map = this.maps[kind];
    const currentBefore = map.get(id);
    const currentExpiry = map.expiresAt(id) ?? 0;
    if (currentBefore !== undefined && currentExpiry >= expiresAt && currentBefore >= issuedBefore) return false;
    map.set(id, Math.max(issuedBefore, currentBefore ?? 0), Math.max(expiresAt, currentExpiry));
    return true;
  }

  /** Every unexpired revocation. */
  *entries(): IterableIterator<Revocation> {
    const now = this.clock();
    for (const kind of REVOCATION_KINDS) {
      for (const [id, issuedBefore, expiresAt] of this.maps[kind].entries()) {
        if (expiresAt >= now) yield { kind, id, issuedBefore, expiresAt };
      }
    }
  }

  count(kind: RevocationKind): number {
    return this.maps[kind].size;
  }

  /** Entries plus scheduled expiries: what the set holds in memory. */
  get footprint(): number {
    return this.maps.token.footprint + this.maps.session.footprint + this.maps.user.footprint;
  }

  sweep(now = this.clock()): void {
    for (const kind of REVOCATION_KINDS) this.maps[kind].sweep(now);
  }

  clear(): void {
    for (const kind of REVOCATION_KINDS) this.maps[kind].clear();
  }
}
