import { ExpiringMap } from './expiring-map.js';
import type { RevocationCheck } from './revocation-store.interface.js';

export type RevocationKind = 'token' | 'session' | 'user';
export const REVOCATION_KINDS: readonly RevocationKind[] = ['token', 'session', 'user'];

/**
 * One revocation. For `user`, tokens issued before `issuedBefore` are revoked; for the others it is 0. `expiresAt`:
 * until when access tokens need it (the set holds it until then). `refreshUntil` (session and user): until when
 * refresh does, so that a shared store can write it back with its whole lifetime; 0 or absent when unknown.
 */
export interface Revocation {
  kind: RevocationKind;
  id: string;
  issuedBefore: number;
  expiresAt: number;
  refreshUntil?: number;
}

/** What a session or user entry holds besides its expiry. */
interface Cover {
  issuedBefore: number;
  refreshUntil: number;
}

/**
 * The revocations one instance enforces: the whole memory store, or the local replica of a shared store.
 * A check is at most three map gets. Entries are dropped when they expire, so memory follows the live revocations.
 */
export class RevocationSet {
  // A token entry holds nothing but its expiry (its cut-off is 0, and it has no refresh side).
  private readonly tokens = new ExpiringMap<0>();
  private readonly covers: Record<'session' | 'user', ExpiringMap<Cover>> = {
    session: new ExpiringMap(),
    user: new ExpiringMap(),
  };

  constructor(private readonly clock: () => number) {}

  isRevoked(token: RevocationCheck): boolean {
    if (this.tokens.has(token.jti) || this.covers.session.has(token.sid)) return true;
    const cover = this.covers.user.get(token.sub);
    return cover !== undefined && token.issuedAt < cover.issuedBefore;
  }

  /**
   * Adds or widens an entry: the later expiry and the later cut-off win, so replaying an entry (from pub/sub, a
   * resync or a write-back) is harmless. Returns false when the entry is expired or already covered.
   */
  add({ kind, id, issuedBefore, expiresAt, refreshUntil = 0 }: Revocation): boolean {
    if (expiresAt < this.clock()) return false;
    if (kind === 'token') {
      if ((this.tokens.expiresAt(id) ?? -1) >= expiresAt) return false;
      this.tokens.set(id, 0, expiresAt);
      return true;
    }
    const map = this.covers[kind];
    const current = map.get(id);
    const currentExpiry = map.expiresAt(id) ?? 0;
    if (
      current !== undefined &&
      currentExpiry >= expiresAt &&
      current.issuedBefore >= issuedBefore &&
      current.refreshUntil >= refreshUntil
    ) {
      return false;
    }
    map.set(
      id,
      {
        issuedBefore: Math.max(issuedBefore, current?.issuedBefore ?? 0),
        refreshUntil: Math.max(refreshUntil, current?.refreshUntil ?? 0),
      },
      Math.max(expiresAt, currentExpiry),
    );
    return true;
  }

  /** Every unexpired revocation. */
  *entries(): IterableIterator<Revocation> {
    const now = this.clock();
    for (const [id, , expiresAt] of this.tokens.entries()) {
      if (expiresAt >= now) yield { kind: 'token', id, issuedBefore: 0, expiresAt };
    }
    for (const kind of ['session', 'user'] as const) {
      for (const [id, { issuedBefore, refreshUntil }, expiresAt] of this.covers[kind].entries()) {
        if (expiresAt >= now) yield { kind, id, issuedBefore, expiresAt, refreshUntil };
      }
    }
  }

  count(kind: RevocationKind): number {
    return this.mapOf(kind).size;
  }

  /** Entries plus scheduled expiries: what the set holds in memory. */
  get footprint(): number {
    return REVOCATION_KINDS.reduce((sum, kind) => sum + this.mapOf(kind).footprint, 0);
  }

  sweep(now = this.clock()): void {
    for (const kind of REVOCATION_KINDS) this.mapOf(kind).sweep(now);
  }

  clear(): void {
    for (const kind of REVOCATION_KINDS) this.mapOf(kind).clear();
  }

  private mapOf(kind: RevocationKind): ExpiringMap<unknown> {
    return kind === 'token' ? this.tokens : this.covers[kind];
  }
}
