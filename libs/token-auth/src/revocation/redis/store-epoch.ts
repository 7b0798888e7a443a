import type { LoggerService } from '@nestjs/common';
import type { OnStoreReset } from '../on-store-reset.js';
import type { RedisKeys } from './redis-keys.js';
import type { Client, StoreCommands } from './redis-scripts.js';
import type { SharedClock } from './shared-clock.js';

/**
 * Notices that Redis lost its data: the epoch marker (a key without TTL, written with Redis's time when absent)
 * changes or appears. Checked at every (re)synchronisation and periodically. Until checked after a connection
 * drop, refresh is not decided (`verified` false); after, refresh tokens issued before the epoch began may be spent
 * ones whose session records are gone, and are refused (`resetBefore`), unless `onStoreReset` is `'trust'`.
 */
export class StoreEpoch {
  private epoch: string | undefined;
  private checked = false;

  constructor(
    private readonly client: Client & StoreCommands,
    private readonly keys: RedisKeys,
    private readonly onStoreReset: OnStoreReset,
    private readonly clock: () => number,
    private readonly sharedClock: SharedClock,
    private readonly logger: LoggerService,
  ) {}

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
    const [epoch, redisTime] = await this.client.ntaEpoch(this.keys.epoch);
    this.sharedClock.observe(Number(redisTime), sentAt, this.clock());
    const known = this.epoch;
    this.epoch = epoch;
    this.checked = true;
    if (known === epoch) return false;
    const since = new Date(Number(epoch)).toISOString();
    const effect =
      this.onStoreReset === 'trust'
        ? `refresh tokens issued before ${since} are trusted (onStoreReset: 'trust'): a spent one can be used once more`
        : `refresh tokens issued before ${since} are refused with session_reset (their users sign in again)`;
    if (known === undefined) {
      this.logger.log(`revocations: Redis session data since ${since}; ${effect}`);
      return false;
    }
    this.logger.error(`revocations: Redis lost its data (epoch ${known} became ${epoch}); ${effect}`);
    return true;
  }
}
