import type { OnModuleDestroy } from '@nestjs/common';
import { ExpiringMap } from './expiring-map.js';
import { resolveOnStoreReset, type OnStoreReset } from './on-store-reset.js';
import { RevocationSet } from './revocation-set.js';
import type {
  RevocationCheck,
  RevocationResult,
  RevocationStore,
  RevocationStoreHealth,
  RevocationWindow,
  RotationOutcome,
  SessionOwner,
  SessionRotation,
} from './revocation-store.interface.js';
import { decideRotation, type SessionRecord } from './rotation-rule.js';
import type { SessionEntry } from './session-entry.js';
import { MemorySessionIndex } from './session-index.js';

export interface MemoryRevocationStoreOptions {
  /** Milliseconds since the epoch. Default `Date.now`; replace it only in tests. */
  clock?: () => number;
  /** How often expired entries are dropped, in milliseconds. Default 1000. */
  sweepInterval?: number;
  /**
   * Refresh tokens issued before this store was created (before a restart, when every session record was lost):
   * `'refuse'` (default) answers `session_reset`, the user logs in again; `'trust'` lets them refresh once more.
   */
  onStoreReset?: OnStoreReset;
}

const PERSISTED: RevocationResult = Object.freeze({ persisted: true });

/**
 * The single-instance default, in process memory, in two parts: the revocations access-token checks need (kept
 * until the access tokens they cover expire), and one record per refreshed session with the revoked users' cut-offs
 * (kept until the refresh tokens expire). Lost on restart and not shared: use `RedisRevocationStore`
 * (`nestjs-token-auth/redis`) for more than one instance.
 */
export class MemoryRevocationStore implements RevocationStore, OnModuleDestroy {
  private readonly clock: () => number;
  private readonly revocations: RevocationSet;
  private readonly sessions = new ExpiringMap<SessionRecord>();
  /** Users' cut-offs as refresh sees them: until their refresh tokens expire. */
  private readonly users = new ExpiringMap<number>();
  /** Each user's live sessions, for `listSessions`. */
  private readonly index = new MemorySessionIndex();
  /** One-time ids of attenuated tokens already spent, until their tokens expire. */
  private readonly spent = new ExpiringMap<true>();
  private readonly resetBefore: number;
  private readonly timer: NodeJS.Timeout;

  constructor(options: MemoryRevocationStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.revocations = new RevocationSet(this.clock);
    this.resetBefore = resolveOnStoreReset(options.onStoreReset) === 'trust' ? 0 : this.clock();
    this.timer = setInterval(() => this.sweep(), options.sweepInterval ?? 1000);
    this.timer.unref();
  }

  isRevoked(token: RevocationCheck): boolean {
    return this.revocations.isRevoked(token);
  }

  async revokeToken(jti: string, expiresAt: number): Promise<RevocationResult> {
    this.revocations.add({ kind: 'token', id: jti, issuedBefore: 0, expiresAt });
    return PERSISTED;
  }

  async revokeSession(
    sid: string,
    { accessUntil, refreshUntil }: RevocationWindow,
    owner: SessionOwner = {},
  ): Promise<RevocationResult> {
    this.revocations.add({ kind: 'session', id: sid, issuedBefore: 0, expiresAt: accessUntil });
    // A record already there expires with the session's refresh tokens; a login never refreshed has none.
    const until = this.sessions.expiresAt(sid) ?? refreshUntil;
    if (until >= this.clock()) this.sessions.set(sid, 'revoked', until);
    if (owner.sub !== undefined) this.index.remove(owner.sub, sid, this.clock());
    return PERSISTED;
  }

  /** The cut-off in force is just past this store's clock at least: it covers every refresh the store stamped. */
  async revokeUser(
    sub: string,
    asked: number,
    { accessUntil, refreshUntil }: RevocationWindow,
  ): Promise<RevocationResult> {
    const issuedBefore = Math.max(asked, this.clock() + 1);
    this.revocations.add({ kind: 'user', id: sub, issuedBefore, expiresAt: accessUntil });
    if (refreshUntil >= this.clock()) {
      this.users.set(
        sub,
        Math.max(issuedBefore, this.users.get(sub) ?? 0),
        Math.max(refreshUntil, this.users.expiresAt(sub) ?? 0),
      );
    }
    this.index.cut(sub, issuedBefore, this.clock());
    return { persisted: true, issuedBefore };
  }

  async rotateSession(rotation: SessionRotation): Promise<RotationOutcome> {
    const cutoff = this.users.get(rotation.sub);
    if (cutoff !== undefined && rotation.issuedAt < cutoff) return { kind: 'revoked' };
    const now = this.clock();
    const { outcome, record } = decideRotation(this.sessions.get(rotation.sid), rotation, now, this.resetBefore);
    if (record !== undefined) {
      const expiresAt = Math.max(now + rotation.recordTtlMs, this.sessions.expiresAt(rotation.sid) ?? 0);
      this.sessions.set(rotation.sid, record, expiresAt);
    }
    if ((outcome.kind === 'rotated' || outcome.kind === 'replayed') && rotation.sessionLifetimeMs !== undefined) {
      const { usedAt, startedAt } = outcome;
      const expiresAt = Math.min(usedAt + rotation.recordTtlMs, startedAt + rotation.sessionLifetimeMs);
      this.index.touch(rotation.sub, { sid: rotation.sid, usedAt, startedAt, expiresAt }, now);
    }
    return outcome;
  }

  /** Atomic in one process: nothing runs between the look and the write. */
  async spendOnce(id: string, until: number): Promise<boolean> {
    if (this.spent.has(id)) return false;
    this.spent.set(id, true, until);
    return true;
  }

  async recordSession(sub: string, entry: SessionEntry): Promise<RevocationResult> {
    this.index.record(sub, entry, this.clock());
    return PERSISTED;
  }

  async listSessions(sub: string): Promise<SessionEntry[]> {
    return this.index.list(sub, this.clock());
  }

  async forgetSession(sub: string, sid: string): Promise<boolean> {
    return this.index.remove(sub, sid, this.clock());
  }

  health(): RevocationStoreHealth {
    return {
      store: 'memory',
      tokens: this.revocations.count('token'),
      sessions: this.revocations.count('session'),
      users: this.revocations.count('user'),
      sessionRecords: this.sessions.size,
    };
  }

  /** Entries plus scheduled expiries held in memory, both roles; for tests and benchmarks. */
  get footprint(): number {
    return this.revocations.footprint + this.sessions.footprint + this.users.footprint + this.index.footprint;
  }

  /** Drops expired entries now; the timer does it every `sweepInterval`. */
  sweep(): void {
    const now = this.clock();
    this.revocations.sweep(now);
    this.sessions.sweep(now);
    this.users.sweep(now);
    this.index.sweep(now);
    this.spent.sweep(now);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
