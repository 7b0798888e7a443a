import { createHash } from 'node:crypto';
import { Logger, type LoggerService, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { describeError } from '../../errors/describe-error.js';
import { TokenAuthConfigError } from '../../errors/token-auth-config.error.js';
import { TokenAuthError } from '../../errors/token-auth.error.js';
import { RevocationSet, type Revocation, type RevocationKind } from '../revocation-set.js';
import type {
  RevocationCheck,
  RevocationResult,
  RevocationStore,
  RevocationStoreHealth,
} from '../revocation-store.interface.js';
import { RedisLiveness } from './redis-liveness.js';

export interface RedisRevocationStoreOptions {
  /**
   * An ioredis client: standalone, Sentinel or Cluster. The store duplicates it for its subscription and leaves
   * the client itself open on shutdown (it is yours).
   */
  client?: Redis | Cluster;
  /** Or a `redis://` URL or ioredis options: the store opens, and on shutdown closes, its own connections. */
  connection?: string | RedisOptions;
  /** Prefix of every key and of the pub/sub channel. Default `nta:revocation:`. */
  keyPrefix?: string;
  /**
   * Seconds the local replica may serve revocations while Redis is unreachable (it may miss revocations made by
   * other instances meanwhile). Default 60.
   */
  maxStaleness?: number;
  /**
   * Beyond `maxStaleness`: `false` (the default) fails closed, every token check throws `revocation_unavailable`
   * (the guard answers 503); `true` fails open, tokens are checked against the stale replica.
   */
  failOpen?: boolean;
  /** Milliseconds a write may take before it is queued for later. Default 2000. */
  writeTimeout?: number;
  /** Milliseconds `start` waits for the first synchronisation before serving as stale. Default 5000. */
  startTimeout?: number;
  /**
   * Milliseconds between two PINGs on each connection. An open connection to a Redis that stopped answering
   * (paused, partitioned, overloaded) counts as lost once a PING goes unanswered for `heartbeatTimeout`, and the
   * `maxStaleness` clock starts from the last answer. Default 1000.
   */
  heartbeatInterval?: number;
  /** Milliseconds a PING may go unanswered. Default 2000. */
  heartbeatTimeout?: number;
  /**
   * Milliseconds the shutdown waits to write revocations still queued (Redis down or slow) before it closes the
   * connections; whatever is still unwritten is logged by kind and id. Default 5000.
   */
  shutdownTimeout?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  /** Where connection-state lines go. Default Nest's `Logger` with context `TokenAuth`. */
  logger?: LoggerService;
}

const KIND_CODE: Record<RevocationKind, string> = { token: 't', session: 's', user: 'u' };
const KIND_OF_CODE: Record<string, RevocationKind> = { t: 'token', s: 'session', u: 'user' };
const BATCH = 500;
const RETRY_MS = 1000;
const PREFIX_PATTERN = /^[A-Za-z0-9:._-]*$/;

function milliseconds(name: string, value: number | undefined, fallback: number): number {
  const ms = value ?? fallback;
  if (!Number.isFinite(ms) || ms <= 0) throw new TokenAuthConfigError(`${name} must be a number of milliseconds > 0, got ${String(ms)}`);
  return ms;
}

/** Writes `issuedBefore:expiresAt`, merged with what is there (the later of each wins), with a TTL to the expiry. */
const MERGE_SCRIPT = `
local b = tonumber(ARGV[1])
local e = tonumber(ARGV[2])
local current = redis.call('GET', KEYS[1])
if current then
  local cb, ce = string.match(current, '^(%d+):(%d+)$')
  if cb then
    cb = tonumber(cb)
    ce = tonumber(ce)
    if cb >= b and ce >= e then return 0 end
    if cb > b then b = cb end
    if ce > e then e = ce end
  end
end
local ttl = e - tonumber(ARGV[3])
if ttl <= 0 then return 0 end
redis.call('SET', KEYS[1], string.format('%d:%d', b, e), 'PX', ttl)
return 1
`;
const MERGE_SHA = createHash('sha1').update(MERGE_SCRIPT).digest('hex');

type Client = Redis | Cluster;
type Wire = [code: string, id: string, issuedBefore: number, expiresAt: number];

/**
 * Revocations shared through Redis. Each instance keeps a local replica of every unexpired revocation, loaded at
 * startup and kept current through pub/sub, so `isRevoked` is a map lookup that never waits on the network.
 * Keys expire with the tokens they cover. After a reconnect the store re-synchronises and writes back whatever
 * Redis lacks (so a Redis restarted empty loses nothing), including revocations made while it was down.
 */
export class RedisRevocationStore implements RevocationStore, OnApplicationShutdown {
  private readonly client: Client;
  private readonly subscriber: Client;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly maxStalenessMs: number;
  private readonly failOpen: boolean;
  private readonly writeTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly clock: () => number;
  private readonly logger: LoggerService;
  private readonly replica: RevocationSet;
  private readonly pending = new Map<string, Revocation>();
  /** Revocations of the current tick, written together: one pipeline and one message per batch. */
  private outgoing: { revocation: Revocation; done: (result: RevocationResult) => void }[] = [];
  /** Batches being written: the shutdown waits for them. */
  private readonly writing = new Set<Promise<void>>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly liveness: RedisLiveness;
  private readonly shutdownTimeoutMs: number;
  private retryTimer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private syncAgain = false;
  private staleSince: number | undefined;
  private staleReported = false;
  private closed = false;

  constructor(options: RedisRevocationStoreOptions) {
    const prefix = options.keyPrefix ?? 'nta:revocation:';
    if (!PREFIX_PATTERN.test(prefix)) {
      throw new TokenAuthConfigError(`keyPrefix "${prefix}" may only contain letters, digits and : . _ -`);
    }
    const maxStaleness = options.maxStaleness ?? 60;
    if (!Number.isFinite(maxStaleness) || maxStaleness < 0) {
      throw new TokenAuthConfigError(`maxStaleness must be a number of seconds >= 0, got ${String(maxStaleness)}`);
    }
    const heartbeatInterval = milliseconds('heartbeatInterval', options.heartbeatInterval, 1000);
    const heartbeatTimeout = milliseconds('heartbeatTimeout', options.heartbeatTimeout, 2000);
    this.shutdownTimeoutMs = milliseconds('shutdownTimeout', options.shutdownTimeout, 5000);
    if ((options.client === undefined) === (options.connection === undefined)) {
      throw new TokenAuthConfigError('RedisRevocationStore needs exactly one of client (an ioredis instance) or connection');
    }
    this.ownsClient = options.client === undefined;
    this.client =
      options.client ??
      (typeof options.connection === 'string' ? new Redis(options.connection) : new Redis(options.connection!));
    this.subscriber = (this.client as { duplicate(): Client }).duplicate();
    this.prefix = prefix;
    this.channel = `${prefix}events`;
    this.maxStalenessMs = maxStaleness * 1000;
    this.failOpen = options.failOpen ?? false;
    this.writeTimeoutMs = options.writeTimeout ?? 2000;
    this.startTimeoutMs = options.startTimeout ?? 5000;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? new Logger('TokenAuth');
    this.replica = new RevocationSet(this.clock);
    this.staleSince = this.clock();
    this.sweeper = setInterval(() => this.replica.sweep(), 1000);
    this.sweeper.unref();

    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
    this.subscriber.on('ready', () => void this.resync());
    this.subscriber.on('close', () => this.markStale());
    // ioredis reconnects by itself ('close' marks the replica stale); unheard, an 'error' event would crash the process.
    this.subscriber.on('error', () => undefined);
    // Whichever connection notices first: a dead server drops both.
    this.client.on('close', () => this.markStale());
    this.client.on('ready', () => {
      if (this.staleSince !== undefined) void this.resync();
    });
    if (this.ownsClient) this.client.on('error', () => undefined);
    this.liveness = new RedisLiveness({
      connections: [this.client, this.subscriber],
      interval: heartbeatInterval,
      timeout: heartbeatTimeout,
      clock: this.clock,
      onHung: (lastAnswer, unanswered) => this.markStale(lastAnswer, ` (no answer for ${unanswered} ms)`),
      onAnswering: () => void this.resync(),
    });
    this.liveness.start();
  }

  /** Loads the replica before the first request. If Redis cannot be reached in time, the app starts stale. */
  async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, this.startTimeoutMs, 'timeout')));
    const outcome = await Promise.race([this.resync(), timeout]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') {
      this.logger.error(
        `revocations: Redis not reachable within ${this.startTimeoutMs} ms; starting with an empty replica ` +
          `(stale since start; ${this.failOpen ? 'fails open' : 'fails closed'} after ${this.maxStalenessMs / 1000} s)`,
      );
    }
  }

  isRevoked(token: RevocationCheck): boolean {
    if (this.staleSince !== undefined && this.clock() - this.staleSince > this.maxStalenessMs) this.overStale();
    return this.replica.isRevoked(token);
  }

  revokeToken(jti: string, expiresAt: number): Promise<RevocationResult> {
    return this.revoke({ kind: 'token', id: jti, issuedBefore: 0, expiresAt });
  }

  revokeSession(sid: string, expiresAt: number): Promise<RevocationResult> {
    return this.revoke({ kind: 'session', id: sid, issuedBefore: 0, expiresAt });
  }

  revokeUser(sub: string, issuedBefore: number, expiresAt: number): Promise<RevocationResult> {
    return this.revoke({ kind: 'user', id: sub, issuedBefore, expiresAt });
  }

  /** `SET NX GET` makes the first use atomic across instances. Without Redis a refresh cannot be decided: 503. */
  async useRefreshToken(jti: string, usedAt: number, expiresAt: number): Promise<number | undefined> {
    const ttl = expiresAt - this.clock();
    if (ttl <= 0) return undefined;
    if (this.client.status !== 'ready') {
      throw new TokenAuthError('revocation_unavailable', 'refresh is unavailable while the revocation store is down');
    }
    try {
      const previous = await this.withTimeout(
        this.client.call('SET', `${this.prefix}r:${jti}`, String(usedAt), 'PX', String(ttl), 'NX', 'GET'),
      );
      return previous === null ? undefined : Number(previous);
    } catch (error) {
      throw new TokenAuthError('revocation_unavailable', `refresh is unavailable: ${describeError(error)}`);
    }
  }

  health(): RevocationStoreHealth {
    return {
      store: 'redis',
      tokens: this.replica.count('token'),
      sessions: this.replica.count('session'),
      users: this.replica.count('user'),
      connected: this.staleSince === undefined,
      ...(this.staleSince !== undefined && { staleSince: new Date(this.staleSince).toISOString() }),
      pendingWrites: this.pending.size,
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
    clearInterval(this.sweeper);
    clearTimeout(this.retryTimer);
    this.liveness.stop();
    const deadline = this.clock() + this.shutdownTimeoutMs;
    await Promise.all(this.writing);
    while (this.pending.size > 0 && this.clock() < deadline) {
      if (this.client.status === 'ready' && (await this.flushPending(deadline - this.clock()))) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(RETRY_MS / 10, deadline - this.clock()))));
    }
    if (this.pending.size > 0) {
      const lost = [...this.pending.values()].map((r) => `${r.kind} ${r.id}`).join(', ');
      this.logger.error(`revocations: ${this.pending.size} revocations were never written to Redis: ${lost}`);
    }
    this.subscriber.disconnect();
    if (this.ownsClient) this.client.disconnect();
  }

  private revoke(revocation: Revocation): Promise<RevocationResult> {
    // Enforced here at once, whatever happens to the write.
    this.replica.add(revocation);
    // Closed or hung (no answer past the heartbeat deadline): queue at once rather than wait out the write timeout.
    if (this.client.status !== 'ready' || this.staleSince !== undefined) return Promise.resolve(this.queue([revocation]));
    return new Promise((done) => {
      if (this.outgoing.length === 0) {
        setImmediate(() => {
          const write = this.writeOutgoing().finally(() => this.writing.delete(write));
          this.writing.add(write);
        });
      }
      this.outgoing.push({ revocation, done });
    });
  }

  private async writeOutgoing(): Promise<void> {
    const batch = this.outgoing;
    this.outgoing = [];
    const revocations = batch.map((item) => item.revocation);
    let result: RevocationResult = { persisted: true };
    try {
      await this.withTimeout(this.persist(revocations));
    } catch (error) {
      this.logger.warn(`revocations: write to Redis failed (${describeError(error)}); queued for retry`);
      result = this.queue(revocations);
    }
    for (const item of batch) item.done(result);
  }

  private queue(revocations: readonly Revocation[]): RevocationResult {
    for (const revocation of revocations) this.pending.set(this.keyOf(revocation), revocation);
    this.scheduleRetry();
    return { persisted: false };
  }

  /** Writes entries (merging with what Redis holds) and announces them, in batches. */
  private async persist(revocations: readonly Revocation[]): Promise<void> {
    const now = String(this.clock());
    for (let i = 0; i < revocations.length; i += BATCH) {
      const batch = revocations.slice(i, i + BATCH);
      await Promise.all(batch.map((r) => this.merge(this.keyOf(r), String(r.issuedBefore), String(r.expiresAt), now)));
      const wire: Wire[] = batch.map((r) => [KIND_CODE[r.kind], r.id, r.issuedBefore, r.expiresAt]);
      await this.client.publish(this.channel, JSON.stringify(wire));
    }
  }

  private async merge(key: string, issuedBefore: string, expiresAt: string, now: string): Promise<unknown> {
    try {
      return await this.client.evalsha(MERGE_SHA, 1, key, issuedBefore, expiresAt, now);
    } catch (error) {
      // A restarted Redis has lost its script cache.
      if (!(error instanceof Error && error.message.includes('NOSCRIPT'))) throw error;
      return this.client.eval(MERGE_SCRIPT, 1, key, issuedBefore, expiresAt, now);
    }
  }

  private receive(message: string): void {
    try {
      for (const [code, id, issuedBefore, expiresAt] of JSON.parse(message) as Wire[]) {
        const kind = KIND_OF_CODE[code];
        if (kind !== undefined) this.replica.add({ kind, id, issuedBefore, expiresAt });
      }
    } catch (error) {
      this.logger.warn(`revocations: ignored a malformed message on ${this.channel}: ${describeError(error)}`);
    }
  }

  /** Joins the resync under way, or starts one; a request during a run causes one more run. */
  private resync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.syncAgain = false;
        await this.syncOnce();
      } while (this.syncAgain && !this.closed);
    })()
      .catch((error: unknown) => {
        if (this.closed) return;
        this.logger.warn(`revocations: resync with Redis failed (${describeError(error)}); retrying`);
        this.scheduleRetry();
      })
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const queued = [...this.pending.keys()];
    // Subscribe before reading, so nothing published during the scan is missed.
    await this.subscriber.subscribe(this.channel);
    const inRedis = new Map<string, Revocation>();
    const nodes = (this.client as Cluster).isCluster ? (this.client as Cluster).nodes('master') : [this.client as Redis];
    for (const node of nodes) {
      for await (const keys of node.scanStream({ match: `${this.prefix}[tsu]:*`, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length === 0) continue;
        const pipeline = node.pipeline();
        for (const key of keys) pipeline.get(key);
        const values = (await pipeline.exec()) ?? [];
        keys.forEach((key, i) => {
          const revocation = this.parse(key, values[i]?.[1]);
          if (revocation === undefined) return;
          inRedis.set(key, revocation);
          this.replica.add(revocation);
        });
      }
    }
    // Write back what Redis lacks or holds narrower: it restarted empty, or writes failed while it was down.
    const missing: Revocation[] = [];
    for (const local of this.replica.entries()) {
      const remote = inRedis.get(this.keyOf(local));
      if (remote === undefined || remote.expiresAt < local.expiresAt || remote.issuedBefore < local.issuedBefore) {
        missing.push(local);
      }
    }
    await this.persist(missing);
    for (const key of queued) this.pending.delete(key);
    const wasStaleFor = this.staleSince === undefined ? 0 : this.clock() - this.staleSince;
    this.staleSince = undefined;
    this.staleReported = false;
    this.logger.log(
      `revocations synchronised with Redis: ${inRedis.size} loaded, ${missing.length} written back` +
        (wasStaleFor > 0 ? ` after ${wasStaleFor} ms without Redis` : ''),
    );
  }

  /** Writes the queued revocations; true when they all landed. */
  private async flushPending(timeoutMs = this.writeTimeoutMs): Promise<boolean> {
    const batch = [...this.pending.values()];
    try {
      await this.withTimeout(this.persist(batch), timeoutMs);
      for (const revocation of batch) this.pending.delete(this.keyOf(revocation));
      return true;
    } catch (error) {
      this.logger.warn(`revocations: ${batch.length} queued writes still failing (${describeError(error)})`);
      this.scheduleRetry();
      return false;
    }
  }

  /** Retries the queued writes (or the resync) while Redis answers but something failed. */
  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.client.status !== 'ready' || this.subscriber.status !== 'ready') return; // 'ready' resyncs
      if (this.staleSince !== undefined) void this.resync();
      else if (this.pending.size > 0) void this.flushPending();
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  /** `since`: the last moment the replica is known to have been current (a hung Redis is noticed late). */
  private markStale(since = this.clock(), detail = ''): void {
    if (this.closed || this.staleSince !== undefined) return;
    this.staleSince = since;
    this.logger.warn(
      `revocations: lost the Redis subscription or connection${detail}; serving the local replica for up to ${this.maxStalenessMs / 1000} s`,
    );
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

  private keyOf(revocation: Revocation): string {
    return `${this.prefix}${KIND_CODE[revocation.kind]}:${revocation.id}`;
  }

  private parse(key: string, value: unknown): Revocation | undefined {
    const kind = KIND_OF_CODE[key.charAt(this.prefix.length)];
    const match = typeof value === 'string' ? /^(\d+):(\d+)$/.exec(value) : null;
    if (kind === undefined || match === null) return undefined;
    return { kind, id: key.slice(this.prefix.length + 2), issuedBefore: Number(match[1]), expiresAt: Number(match[2]) };
  }

  /**
   * A command that times out still reaches Redis when it answers again (and ioredis resends unanswered commands
   * after a reconnect). For revocation writes that is what the caller was told would happen (`persisted: false`:
   * queued), and the merge script keeps the later cut-off and expiry, so a late or repeated write never narrows one.
   */
  private withTimeout<T>(promise: Promise<T>, timeoutMs = this.writeTimeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
