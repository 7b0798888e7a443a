import type { OnModuleDestroy } from '@nestjs/common';
import { ExpiringMap } from './expiring-map.js';
import { RevocationSet } from './revocation-set.js';
import type {
  RevocationCheck,
  RevocationResult,
  RevocationStore,
  RevocationStoreHealth,
} from './revocation-store.interface.js';

export interface MemoryRevocationStoreOptions {
  /** Milliseconds since the epoch. Default `Date.now`; replace it only in tests. */
  clock?: () => number;
  /** How often expired entries are dropped, in milliseconds. Default 1000. */
  sweepInterval?: number;
}

const PERSISTED: RevocationResult = Object.freeze({ persisted: true });

/**
 * The single-instance default: revocations in process memory, dropped when the tokens they cover expire. Lost on
 * restart and not shared: use `RedisRevocationStore` (`nestjs-token-auth/redis`) for more than one instance.
 */
export class MemoryRevocationStore implements RevocationStore, OnModuleDestroy {
  private readonly clock: () => number;
  private readonly revocations: RevocationSet;
  private readonly usedRefreshTokens = new ExpiringMap<number>();
  private readonly timer: NodeJS.Timeout;

  constructor(options: MemoryRevocationStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.revocations = new RevocationSet(this.clock);
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

  async revokeSession(sid: string, expiresAt: number): Promise<RevocationResult> {
    this.revocations.add({ kind: 'session', id: sid, issuedBefore: 0, expiresAt });
    return PERSISTED;
  }

  async revokeUser(sub: string, issuedBefore: number, expiresAt: number): Promise<RevocationResult> {
    this.revocations.add({ kind: 'user', id: sub, issuedBefore, expiresAt });
    return PERSISTED;
  }

  async useRefreshToken(jti: string, usedAt: number, expiresAt: number): Promise<number | undefined> {
    const firstUse = this.usedRefreshTokens.get(jti);
    if (firstUse !== undefined) return firstUse;
    if (expiresAt >= this.clock()) this.usedRefreshTokens.set(jti, usedAt, expiresAt);
    return undefined;
  }

  health(): RevocationStoreHealth {
    return {
      store: 'memory',
      tokens: this.revocations.count('token'),
      sessions: this.revocations.count('session'),
      users: this.revocations.count('user'),
      usedRefreshTokens: this.usedRefreshTokens.size,
    };
  }

  /** Entries plus scheduled expiries held in memory; for tests and benchmarks. */
  get footprint(): number {
    return this.revocations.footprint + this.usedRefreshTokens.footprint;
  }

  /** Drops expired entries now; the timer does it every `sweepInterval`. */
  sweep(): void {
    const now = this.clock();
    this.revocations.sweep(now);
    this.usedRefreshTokens.sweep(now);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
