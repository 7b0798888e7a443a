import { Logger, type LoggerService, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { describeError } from '../../errors/describe-error.js';
import type { SecurityEventSink } from '../../events/security-event.js';
import { RevocationSet } from '../revocation-set.js';
import type {
  RevocationCheck,
  RevocationResult,
  RevocationStore,
  RevocationStoreHealth,
  RevocationWindow,
  RotationOutcome,
  SessionOwner,
  SessionRotation,
} from '../revocation-store.interface.js';
import type { SessionEntry } from '../session-entry.js';
import { ConnectionState } from './connection-state.js';
import { RedisLiveness } from './redis-liveness.js';
import { RedisKeys } from './redis-keys.js';
import { withTimeout } from './with-timeout.js';
import { withScripts, type Client, type StoreCommands } from './redis-scripts.js';
import { resolveRedisStoreOptions, type RedisRevocationStoreOptions } from './redis-store-options.js';
import { ReplicaAcks } from './replica-acks.js';
import { ReplicaSync } from './replica-sync.js';
import { RevocationWriter, type RevocationWrite } from './revocation-writer.js';
import { RedisSessionIndex } from './session-index.js';
import { RedisSessionRotation } from './session-rotation.js';
import { SharedClock } from './shared-clock.js';
import { StoreEpoch } from './store-epoch.js';
import { StoreEvents } from './store-events.js';

/**
 * Revocations and sessions shared through Redis. Each instance keeps a local replica of the revocations access
 * tokens still need, loaded at startup and kept current through pub/sub, so `isRevoked` is a map lookup that never
 * waits on the network. Refresh asks Redis, which holds one record per session. Keys expire with the tokens they
 * cover. After a reconnect the store re-synchronises and writes back whatever Redis lacks, and notices (through an
 * epoch marker) when Redis lost its data, so that spent refresh tokens are not accepted again.
 */
export class RedisRevocationStore implements RevocationStore, OnApplicationShutdown {
  private readonly client: Client & StoreCommands;
  private readonly subscriber: Client;
  private readonly ownsClient: boolean;
  private readonly clock: () => number;
  private readonly logger: LoggerService;
  private readonly startTimeoutMs: number;
  private readonly replica: RevocationSet;
  private readonly state: ConnectionState;
  private readonly sharedClock: SharedClock;
  private readonly epoch: StoreEpoch;
  private readonly writer: RevocationWriter;
  private readonly sync: ReplicaSync;
  private readonly sessions: RedisSessionRotation;
  private readonly index: RedisSessionIndex;
  private readonly liveness: RedisLiveness;
  private readonly shutdownTimeoutMs: number;
  private readonly writeTimeoutMs: number;
  private readonly timers: NodeJS.Timeout[];
  private readonly keys: RedisKeys;
  private readonly events: StoreEvents;
  private closed = false;

  constructor(options: RedisRevocationStoreOptions) {
    const {
      prefix,
      maxStalenessMs,
      heartbeatInterval,
      heartbeatTimeout,
      shutdownTimeoutMs,
      writeTimeoutMs,
      startTimeoutMs,
      epochCheckIntervalMs,
      onStoreReset,
      waitForReplicas,
    } = resolveRedisStoreOptions(options);
    const acks = new ReplicaAcks(waitForReplicas, writeTimeoutMs);
    this.shutdownTimeoutMs = shutdownTimeoutMs;
    this.writeTimeoutMs = writeTimeoutMs;
    this.startTimeoutMs = startTimeoutMs;
    this.ownsClient = options.client === undefined;
    // Its own connections open at start() (the module's bootstrap), not when the file that makes the store is imported.
    this.client = withScripts(
      options.client ??
        (typeof options.connection === 'string'
          ? new Redis(options.connection, { lazyConnect: true })
          : new Redis({ ...options.connection, lazyConnect: true })),
    );
    this.subscriber = (this.client as { duplicate(): Client }).duplicate();
    const keys = (this.keys = new RedisKeys(prefix));
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? new Logger('TokenAuth');
    this.sharedClock = new SharedClock(this.clock);
    // Revocations expire on the clock tokens are stamped with: Redis's, as measured from here.
    const storeClock = () => this.sharedClock.now();
    this.replica = new RevocationSet(storeClock);
    this.events = new StoreEvents(this.clock);
    this.state = new ConnectionState(maxStalenessMs, options.failOpen ?? false, this.clock, this.logger, this.events);
    this.epoch = new StoreEpoch(
      this.client,
      keys,
      onStoreReset,
      this.clock,
      this.sharedClock,
      this.logger,
      !acks.enabled,
      this.events,
    );
    this.writer = new RevocationWriter(
      this.client,
      keys,
      storeClock,
      this.logger,
      writeTimeoutMs,
      acks,
      // Closed or hung (no answer past the heartbeat deadline): queue at once rather than wait out the write timeout.
      () => this.client.status === 'ready' && this.state.fresh,
      () => this.retry(),
      this.events,
    );
    this.sync = new ReplicaSync({
      client: this.client,
      subscriber: this.subscriber,
      keys,
      replica: this.replica,
      writer: this.writer,
      epoch: this.epoch,
      state: this.state,
      logger: this.logger,
      isClosed: () => this.closed,
      events: this.events,
    });
    this.index = new RedisSessionIndex(this.client, keys, writeTimeoutMs, storeClock, this.logger, () => {
      return this.client.status === 'ready' && this.state.fresh;
    });
    this.sessions = new RedisSessionRotation(
      this.client,
      keys,
      this.epoch,
      this.sharedClock,
      writeTimeoutMs,
      acks,
      () => this.recoverFromLoss(),
    );
    this.timers = [
      setInterval(() => this.replica.sweep(), 1000),
      setInterval(() => void this.checkEpoch(), epochCheckIntervalMs),
    ];
    for (const timer of this.timers) timer.unref();

    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === keys.channel) this.sync.receive(message);
    });
    this.subscriber.on('ready', () => void this.sync.resync());
    this.subscriber.on('close', () => this.lost());
    // ioredis reconnects by itself ('close' marks the replica stale); unheard, an 'error' event would crash the process.
    this.subscriber.on('error', () => undefined);
    // Whichever connection notices first: a dead server drops both.
    this.client.on('close', () => this.lost());
    this.client.on('ready', () => {
      if (!this.state.fresh || !this.epoch.verified) void this.sync.resync();
    });
    if (this.ownsClient) this.client.on('error', () => undefined);
    this.liveness = new RedisLiveness({
      connections: [this.client, this.subscriber],
      interval: heartbeatInterval,
      timeout: heartbeatTimeout,
      clock: this.clock,
      onHung: (lastAnswer, unanswered) => this.lost(lastAnswer, ` (no answer for ${unanswered} ms)`),
      onAnswering: () => void this.sync.resync(),
    });
    this.liveness.start();
  }

  /**
   * Opens the store's own connections and loads the replica before the first request (the module calls it at
   * bootstrap). If Redis cannot be reached in time, the app starts stale.
   */
  async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, this.startTimeoutMs, 'timeout')));
    const outcome = await Promise.race([this.sync.resync(), timeout]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') {
      this.logger.error(
        `revocations: Redis not reachable within ${this.startTimeoutMs} ms; starting with an empty replica ` +
          `(stale since start; ${this.state.describe()})`,
      );
    }
  }

  /** The module connects its security events here: stale, recovered, reset; revocations queued, written, lost. */
  observe(sink: SecurityEventSink): void {
    this.events.observe(sink);
  }

  isRevoked(token: RevocationCheck): boolean {
    this.state.check();
    return this.replica.isRevoked(token);
  }

  revokeToken(jti: string, expiresAt: number): Promise<RevocationResult> {
    return this.revoke({ kind: 'token', id: jti, issuedBefore: 0, expiresAt });
  }

  revokeSession(
    sid: string,
    { accessUntil, refreshUntil }: RevocationWindow,
    { sub }: SessionOwner = {},
  ): Promise<RevocationResult> {
    return this.revoke({
      kind: 'session',
      id: sid,
      issuedBefore: 0,
      expiresAt: accessUntil,
      refreshUntil,
      ...(sub !== undefined && { subject: sub }),
    });
  }

  async revokeUser(
    sub: string,
    issuedBefore: number,
    { accessUntil, refreshUntil }: RevocationWindow,
  ): Promise<RevocationResult> {
    // Written within half the write timeout, the cut-off moves past every refresh Redis stamped before it.
    const deadline = this.sharedClock.deadline(this.writeTimeoutMs);
    const result = await this.revoke({
      kind: 'user',
      id: sub,
      issuedBefore,
      expiresAt: accessUntil,
      refreshUntil,
      deadline,
    });
    // Unconfirmed, the write may still have landed and moved the cut-off, up to just past the deadline: tokens
    // issued here from now on are stamped after that (the local replica keeps the cut-off asked for).
    return result.persisted ? result : { persisted: false, issuedBefore: Math.max(issuedBefore, deadline + 1) };
  }

  rotateSession(rotation: SessionRotation): Promise<RotationOutcome> {
    return this.sessions.rotate(rotation);
  }

  /**
   * One `SET NX` with the time left until `until` on Redis's clock: atomic across instances; a timeout or a lost
   * connection rejects (the token is refused with revocation_unavailable, never accepted twice).
   */
  async spendOnce(id: string, until: number): Promise<boolean> {
    const ttlMs = Math.max(1, Math.ceil(until - this.sharedClock.now()));
    const answer = await withTimeout(
      this.client.set(this.keys.spentOnce(id), '1', 'PX', ttlMs, 'NX'),
      this.writeTimeoutMs,
    );
    return answer === 'OK';
  }

  recordSession(sub: string, entry: SessionEntry): Promise<RevocationResult> {
    return this.index.record(sub, entry);
  }

  listSessions(sub: string): Promise<SessionEntry[]> {
    return this.index.list(sub);
  }

  forgetSession(sub: string, sid: string): Promise<boolean> {
    return this.index.forget(sub, sid);
  }

  /** Redis's clock, as last measured from here. */
  now(): number {
    return this.sharedClock.now();
  }

  health(): RevocationStoreHealth {
    const staleSince = this.state.staleSinceIso;
    return {
      store: 'redis',
      tokens: this.replica.count('token'),
      sessions: this.replica.count('session'),
      users: this.replica.count('user'),
      connected: this.state.fresh,
      ...(staleSince !== undefined && { staleSince }),
      ...(this.state.refusing && { refusing: true }),
      pendingWrites: this.writer.pendingCount,
      clockOffsetMs: this.sharedClock.offsetMs,
    };
  }

  /** Entries plus scheduled expiries in the local replica; for tests and benchmarks. */
  get footprint(): number {
    return this.replica.footprint;
  }

  /**
   * The last lifecycle step, after the HTTP server has stopped (`app.close()` disposes it between
   * `beforeApplicationShutdown` and this hook): requests served during the drain can still revoke and reach
   * Redis. Writes under way and queued ones get `shutdownTimeout` to land; what remains is logged by kind and id.
   */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.liveness.stop();
    await this.writer.close(this.shutdownTimeoutMs);
    await this.index.close();
    this.subscriber.disconnect();
    if (this.ownsClient) this.client.disconnect();
  }

  private async revoke(write: RevocationWrite): Promise<RevocationResult> {
    // Enforced here at once, whatever happens to the write.
    this.replica.add(write);
    const result = await this.writer.write(write);
    if (result.issuedBefore !== undefined) this.replica.add({ ...write, issuedBefore: result.issuedBefore });
    return result;
  }

  /**
   * A connection dropped or hung: the replica goes stale and refresh waits for the epoch to be checked again.
   * `since`: the last moment the replica is known to have been current (a hung Redis is noticed late).
   */
  private lost(since?: number, detail?: string): void {
    if (this.closed) return;
    this.epoch.invalidate();
    this.state.markStale(since, detail);
  }

  /** The periodic check of the epoch marker; a liveness probe may call it too. */
  private async checkEpoch(): Promise<void> {
    if (this.closed || this.client.status !== 'ready') return;
    try {
      // Lost without a dropped connection (FLUSHALL, a failover to an empty replica): write back what it lacks.
      if (await this.epoch.check()) void this.sync.resync();
    } catch (error) {
      this.logger.warn(`revocations: could not check the Redis epoch (${describeError(error)})`);
    }
  }

  /**
   * A refresh found Redis lost its data: the epoch is checked again and what Redis lacks written back before the
   * refresh is decided again (with `onStoreReset: 'trust'` that decision reads the users' cut-offs written back).
   */
  private async recoverFromLoss(): Promise<void> {
    try {
      if (await this.epoch.check()) await this.sync.resync();
    } catch (error) {
      this.logger.warn(`revocations: could not check the Redis epoch (${describeError(error)})`);
    }
  }

  private retry(): void {
    if (this.client.status !== 'ready' || this.subscriber.status !== 'ready') return; // 'ready' resyncs
    if (!this.state.fresh) void this.sync.resync();
    else if (this.writer.pendingCount > 0) void this.writer.flushPending();
  }
}
