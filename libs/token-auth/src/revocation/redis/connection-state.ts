import type { LoggerService } from '@nestjs/common';
import { TokenAuthError } from '../../errors/token-auth.error.js';
import type { StoreEvents } from './store-events.js';

/**
 * Whether the local replica is current, and what to do when it is not: the one place that decides staleness.
 * `markStale` starts the `maxStaleness` clock, `markFresh` stops it after a resync; past `maxStaleness`, `check`
 * fails closed (throws `revocation_unavailable`) or open, and logs the crossing once.
 */
export class ConnectionState {
  private staleSince: number | undefined;
  private staleReported = false;

  constructor(
    private readonly maxStalenessMs: number,
    private readonly failOpen: boolean,
    private readonly clock: () => number,
    private readonly logger: LoggerService,
    private readonly events?: StoreEvents,
  ) {
    this.staleSince = clock();
  }

  get fresh(): boolean {
    return this.staleSince === undefined;
  }

  /** ISO time since which the replica is stale, or undefined when it is current. */
  get staleSinceIso(): string | undefined {
    return this.staleSince === undefined ? undefined : new Date(this.staleSince).toISOString();
  }

  /** True past `maxStaleness` when failing closed: every token check throws `revocation_unavailable`. */
  get refusing(): boolean {
    return !this.failOpen && this.staleSince !== undefined && this.clock() - this.staleSince > this.maxStalenessMs;
  }

  /** Throws past `maxStaleness` when failing closed; cheap when fresh. */
  check(): void {
    if (this.staleSince !== undefined && this.clock() - this.staleSince > this.maxStalenessMs) this.overStale();
  }

  /** `since`: when the replica was last known current, if earlier than now (a hung Redis is noticed late). */
  markStale(since = this.clock(), detail = ''): void {
    if (this.staleSince !== undefined) return;
    this.staleSince = since;
    this.logger.warn(
      `revocations: lost the Redis subscription or connection${detail}; serving the local replica for up to ${this.maxStalenessMs / 1000} s`,
    );
    this.events?.stale(`lost the Redis subscription or connection${detail}`);
  }

  /** Returns how long the replica was stale, in ms. */
  markFresh(): number {
    const staleFor = this.staleSince === undefined ? 0 : this.clock() - this.staleSince;
    this.staleSince = undefined;
    this.staleReported = false;
    return staleFor;
  }

  describe(): string {
    return `${this.failOpen ? 'fails open' : 'fails closed'} after ${this.maxStalenessMs / 1000} s`;
  }

  private overStale(): void {
    if (!this.staleReported) {
      this.staleReported = true;
      this.logger.error(
        this.failOpen
          ? `revocations: replica stale for over ${this.maxStalenessMs / 1000} s; failing open (checking against the stale replica)`
          : `revocations: replica stale for over ${this.maxStalenessMs / 1000} s; failing closed (rejecting every token with revocation_unavailable)`,
      );
    }
    if (!this.failOpen) {
      throw new TokenAuthError('revocation_unavailable', 'revocation list unavailable; try again shortly');
    }
  }
}
