import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { describeError } from '../errors/describe-error.js';
import { TokenAuthError } from '../errors/token-auth.error.js';
import type { SecurityEventSink } from '../events/security-event.js';
import type { KeyProvider } from './key-provider.interface.js';
import { KeyRing, type KeyDescription } from './key-ring.js';
import { ringChangeEvents } from './key-ring-events.js';
import { checkNoLiveKeyLost, keysDroppedEarly } from './ring-continuity.js';

/** The ring's state for health checks. Never key bytes. */
export interface KeyRingHealth {
  source: string;
  keys: KeyDescription[];
  lastRefreshAt: string;
  lastError?: { message: string; at: string };
  /** Present when the provider sets `maxStaleness`: true while tokens are refused for want of a fresh ring. */
  stale?: boolean;
}

const LOAD_TIMEOUT_MS = 10_000;
const UNKNOWN_KEY_REFRESH_MS = 30_000;

/**
 * Holds the ring in use and keeps it fresh: one load at a time, in the background, never on a request's path.
 * A failed or invalid load keeps the last good ring and is retried with exponential backoff and full jitter; so does
 * a load that lost a key still in use (ring-continuity.ts), unless the provider says keys leave it unscheduled.
 */
export class KeyRingManager implements OnModuleDestroy {
  private ring!: KeyRing;
  private lastRefreshAt = new Date(0);
  private lastError?: { message: string; at: string };
  private failures = 0;
  /** Where reloads are reported as security events (the module's bus), once connected. */
  private events?: SecurityEventSink;
  /** The ring went stale since the last good load, and that was reported. */
  private staleReported = false;
  private inFlight?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private stopWatching?: () => void;
  private lastRequestedAt = -Infinity;
  private closed = false;
  /** Raw keys (`allowRawKeys`) already named in a warning: each is named once. */
  private readonly rawKeysWarned = new Set<string>();

  constructor(
    private readonly provider: KeyProvider,
    private readonly logger = new Logger('TokenAuth'),
  ) {}

  /** The module connects its security events: reloads (refreshed, rotated, retired keys), failures, staleness. */
  observe(sink: SecurityEventSink): void {
    this.events = sink;
  }

  /** The first load, awaited during bootstrap: no valid ring, no app. */
  async start(): Promise<void> {
    this.checkMaxStaleness();
    try {
      this.ring = await this.load();
    } catch (error) {
      throw new TokenAuthConfigError(
        `cannot load the key ring from ${this.provider.description}: ${
          error instanceof TokenAuthConfigError ? error.message : describeError(error)
        }`,
      );
    }
    this.lastRefreshAt = new Date();
    this.warnOfRawKeys(this.ring);
    // A change seen during a load may not be in what that load read: load again once it ends.
    this.stopWatching = this.provider.watch?.(
      () => void (this.inFlight ?? Promise.resolve()).then(() => this.refresh()),
    );
    this.schedule();
  }

  /** The ring in use. Throws `TokenAuthError` `key_ring_stale` once `maxStaleness` has passed without a good load. */
  get current(): KeyRing {
    if (this.isStale()) {
      throw new TokenAuthError('key_ring_stale', 'the key ring could not be refreshed; try again later');
    }
    return this.ring;
  }

  /** Reloads now, or joins the reload under way. Never throws: failures are logged and keep the old ring. */
  refresh(): Promise<void> {
    this.inFlight ??= this.reload().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * Asks for a reload because a token named a key the ring does not accept: at most one per refresh interval (per
   * 30 s without one, or with a shorter one), whatever clients send, so tokens naming unknown keys add at most one
   * load per interval to the provider's schedule.
   */
  requestRefresh(): void {
    const now = Date.now();
    const gap = Math.max(UNKNOWN_KEY_REFRESH_MS, (this.provider.refreshInterval ?? 0) * 1000);
    if (this.closed || now - this.lastRequestedAt < gap) return;
    this.lastRequestedAt = now;
    void this.refresh();
  }

  health(): KeyRingHealth {
    return {
      source: this.provider.description,
      keys: this.ring.describe(),
      lastRefreshAt: this.lastRefreshAt.toISOString(),
      ...(this.lastError && { lastError: this.lastError }),
      ...(this.provider.maxStaleness !== undefined && { stale: this.isStale() }),
    };
  }

  onModuleDestroy(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.stopWatching?.();
  }

  private isStale(): boolean {
    const maxStaleness = this.provider.maxStaleness;
    return maxStaleness !== undefined && Date.now() - this.lastRefreshAt.getTime() > maxStaleness * 1000;
  }

  private checkMaxStaleness(): void {
    const { maxStaleness, refreshInterval, description } = this.provider;
    if (maxStaleness === undefined) return;
    if (!refreshInterval) {
      throw new TokenAuthConfigError(`${description}: maxStaleness needs a provider that refreshes (refreshInterval)`);
    }
    if (typeof maxStaleness !== 'number' || !(maxStaleness > refreshInterval)) {
      throw new TokenAuthConfigError(
        `${description}: maxStaleness (${String(maxStaleness)} s) must be longer than the refresh interval ` +
          `(${String(refreshInterval)} s), or the ring would go stale between two normal refreshes`,
      );
    }
  }

  /** Aborts the provider after LOAD_TIMEOUT_MS and stops waiting for it: a hung load must not stall every later refresh. */
  private async load(): Promise<KeyRing> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`the load did not finish within ${LOAD_TIMEOUT_MS / 1000} s`);
        controller.abort(error);
        reject(error);
      }, LOAD_TIMEOUT_MS);
    });
    try {
      const specs = await Promise.race([this.provider.load(controller.signal), timeout]);
      return KeyRing.from(specs, { allowRawKeys: this.provider.allowRawKeys === true });
    } finally {
      clearTimeout(timer);
    }
  }

  private async reload(): Promise<void> {
    try {
      const ring = await this.load();
      if (this.closed) return;
      if (!this.provider.unscheduledKeyRemoval) {
        checkNoLiveKeyLost(this.ring, ring, Date.now(), this.provider.description);
      }
      const previous = this.ring;
      this.ring = ring;
      this.warnOfEarlyDrops(previous, ring);
      this.warnOfRawKeys(ring);
      this.lastRefreshAt = new Date();
      this.lastError = undefined;
      this.failures = 0;
      this.staleReported = false;
      if (this.events !== undefined) {
        for (const event of ringChangeEvents(previous, ring, this.provider.description, Date.now())) {
          this.events.emit(event);
        }
      }
    } catch (error) {
      this.failures++;
      const message = describeError(error);
      this.lastError = { message, at: new Date().toISOString() };
      const stale = this.isStale();
      this.logger.error(
        stale
          ? `key ring refresh from ${this.provider.description} failed and the ring is older than maxStaleness: ` +
              `refusing tokens until a refresh succeeds: ${message}`
          : `key ring refresh from ${this.provider.description} failed, keeping the last good ring: ${message}`,
      );
      this.reportFailure(message, stale);
    } finally {
      this.schedule();
    }
  }

  private reportFailure(reason: string, stale: boolean): void {
    const source = this.provider.description;
    const time = Date.now();
    this.events?.emit({ type: 'key_ring.refresh_failed', time, source, reason, failures: this.failures });
    if (stale && !this.staleReported) {
      this.staleReported = true;
      this.events?.emit({ type: 'key_ring.stale', time, source, reason });
    }
  }

  /** A reload accepted although it dropped keys before their retireAfter (an edit, or rotations missed): say so. */
  private warnOfEarlyDrops(previous: KeyRing, ring: KeyRing): void {
    const dropped = keysDroppedEarly(previous, ring, Date.now());
    if (dropped.length === 0) return;
    this.logger.warn(
      `key ring from ${this.provider.description}: ${dropped.map((key) => `"${key.id}"`).join(', ')} left the ring ` +
        'before a rotation retired them (rotations this instance missed); ' +
        'tokens they signed are refused from now on',
    );
  }

  private warnOfRawKeys(ring: KeyRing): void {
    const raw = ring.keys.filter((key) => key.raw && !this.rawKeysWarned.has(key.id));
    if (raw.length === 0) return;
    for (const key of raw) this.rawKeysWarned.add(key.id);
    const ids = raw.map((key) => `"${key.id}"`).join(', ');
    this.logger.warn(
      `key ring from ${this.provider.description}: ${raw.length === 1 ? 'key' : 'keys'} ${ids} ` +
        `${raw.length === 1 ? 'is' : 'are'} raw bytes, not key texts, accepted because allowRawKeys is set. ` +
        'A key text carries a checksum and is written only by the generator, so a password or a key cut short is ' +
        'refused; convert with "npx nestjs-token-auth wrap" (docs/key-rotation.md#migrating-raw-keys)',
    );
  }

  private schedule(): void {
    const interval = this.provider.refreshInterval;
    clearTimeout(this.timer);
    if (this.closed || !interval) return;
    const ms = interval * 1000;
    // Success: uniform in [T/2, T] so instances drift apart. Failure: full jitter over min(T, 2^n s).
    const delay =
      this.failures === 0 ? ms * (0.5 + Math.random() / 2) : Math.random() * Math.min(ms, 1000 * 2 ** this.failures);
    this.timer = setTimeout(() => void this.refresh(), delay);
    this.timer.unref();
  }
}
