import type { LoggerService } from '@nestjs/common';
import type { Cluster } from 'ioredis';
import type { OnStoreReset } from '../on-store-reset.js';
import type { RedisKeys } from './redis-keys.js';
import type { Client, StoreCommands } from './redis-scripts.js';
import type { SharedClock } from './shared-clock.js';
import type { StoreEvents } from './store-events.js';

/**
 * Notices that Redis lost its data: the epoch marker (a key without TTL, written with Redis's time when absent)
 * changes or appears. Outside a Cluster the scripts also compare the rotation count (which only grows) with the
 * highest this instance has seen, and start a new epoch when Redis is behind it: restarted from an older snapshot or
 * failed over to a lagging replica. Checked at every (re)synchronisation, periodically and (outside a Cluster) by
 * every refresh. Until checked after a connection drop, refresh is not decided (`verified` false); after, refresh
 * tokens issued before the epoch began may be spent ones whose session records are gone, and are refused
 * (`resetBefore`), unless `onStoreReset` is `'trust'`.
 */
export class StoreEpoch {
  private epoch: string | undefined;
  private count = 0;
  private checked = false;

  constructor(
    private readonly client: Client & StoreCommands,
    private readonly keys: RedisKeys,
    private readonly onStoreReset: OnStoreReset,
    private readonly clock: () => number,
    private readonly sharedClock: SharedClock,
    private readonly logger: LoggerService,
    /**
     * Whether a count read here may be taken as seen. Not when rotations wait for replicas: a rotation the replicas
     * never acknowledged (answered 503, so nobody holds its successor) may be lost in a failover without harm.
     */
    private readonly learnFromReads: boolean,
    private readonly events?: StoreEvents,
  ) {}

  /** Whether the scripts can compare the rotation count: not on a Cluster (other slots). */
  get counted(): boolean {
    return (this.client as Cluster).isCluster !== true;
  }

  /** The highest rotation count seen under the known epoch, for the scripts ('' when none). */
  get knownCount(): string {
    return this.count > 0 ? String(this.count) : '';
  }

  /** A rotation count this instance's own answered write produced. */
  saw(count: number): void {
    if (count > this.count) this.count = count;
  }

  /** The epoch this instance knows (the marker's value), once checked. */
  get known(): string | undefined {
    return this.epoch;
  }

  get verified(): boolean {
    return this.checked;
  }

  /** Refresh tokens issued before this (Redis time, ms) answer `session_reset`; 0 when trusted. */
  get resetBefore(): number {
    return this.onStoreReset === 'trust' || this.epoch === undefined ? 0 : Number(this.epoch);
  }

  /** The connection dropped: Redis may come back empty, so refresh waits for the next check. */
  invalidate(): void {
    this.checked = false;
  }

  /** Returns true when Redis lost its data since the last check. */
  async check(): Promise<boolean> {
    const sentAt = this.clock();
    const [epoch, redisTime, count] = this.counted
      ? await this.client.ntaEpoch(2, this.keys.epoch, this.keys.rotations, this.epoch ?? '', this.knownCount)
      : await this.client.ntaEpoch(1, this.keys.epoch, this.epoch ?? '', '');
    this.sharedClock.observe(Number(redisTime), sentAt, this.clock());
    const known = this.epoch;
    this.epoch = epoch;
    this.checked = true;
    if (known === epoch) {
      if (this.learnFromReads) this.saw(Number(count));
      return false;
    }
    // A new epoch: counts seen under the old one say nothing about this one.
    this.count = this.learnFromReads ? Number(count) : 0;
    const since = new Date(Number(epoch)).toISOString();
    const effect =
      this.onStoreReset === 'trust'
        ? `refresh tokens issued before ${since} are trusted (onStoreReset: 'trust'): a spent one can be used once more`
        : `refresh tokens issued before ${since} are refused with session_reset (their users sign in again)`;
    if (known === undefined) {
      this.logger.log(`revocations: Redis session data since ${since}; ${effect}`);
      return false;
    }
    this.logger.error(
      `revocations: Redis lost its data (emptied, restarted from an older snapshot or failed over to a replica ` +
        `behind it; epoch ${known} became ${epoch}); ${effect}`,
    );
    this.events?.emit({ type: 'store.reset', time: this.clock(), reason: 'data_lost', since: Number(epoch) });
    return true;
  }
}
