import type { LoggerService } from '@nestjs/common';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { TokenAuthConfigError } from '../../errors/token-auth-config.error.js';
import { resolveOnStoreReset, type OnStoreReset } from '../on-store-reset.js';

export interface RedisRevocationStoreOptions {
  /**
   * An ioredis client: standalone, Sentinel or Cluster. The store duplicates it for its subscription and leaves
   * the client itself open on shutdown (it is yours).
   */
  client?: Redis | Cluster;
  /**
   * Or a `redis://` URL or ioredis options: the store opens its own connections at `start()` (the module's
   * bootstrap), and closes them on shutdown.
   */
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
  /** Milliseconds a write (or a refresh) may take before it is queued (or answered 503). Default 2000. */
  writeTimeout?: number;
  /**
   * Durability under failover: how many replicas must acknowledge (Redis `WAIT`) each rotation and revocation before
   * it is reported done, within half of `writeTimeout`. Default 0: done once the primary has it, so a failover to a
   * replica that lags may lose the last writes (detected as a loss, see docs/scaling.md). With 1 or more, a refresh
   * whose rotation too few replicas acknowledged answers 503 (its retry returns the same pair), and such a
   * revocation is reported `persisted: false` and retried. Not with a Cluster client.
   */
  waitForReplicas?: number;
  /** Milliseconds `start` waits for the first synchronisation before serving as stale. Default 5000. */
  startTimeout?: number;
  /**
   * After Redis lost its data (detected through an epoch marker), refresh tokens issued before: `'refuse'`
   * (default) answers `session_reset` (401, the user signs in again), since a spent one can no longer be told from
   * a fresh one; `'trust'` accepts them, so a spent token may be used once more.
   */
  onStoreReset?: OnStoreReset;
  /** Milliseconds between checks of the epoch marker while connected (also checked on every reconnect). Default 10000. */
  epochCheckInterval?: number;
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

const DEFAULT_KEY_PREFIX = 'nta:revocation:';
const DEFAULT_MAX_STALENESS = 60;
const PREFIX_PATTERN = /^[A-Za-z0-9:._-]*$/;

/** A rotation's deadline is half the write timeout, on Redis's clock as measured from here: not less than this. */
const MIN_WRITE_TIMEOUT_MS = 100;

/** Node runs a timer set longer than this after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function milliseconds(name: string, value: number | undefined, fallback: number): number {
  const ms = value ?? fallback;
  if (typeof ms !== 'number' || !(ms > 0 && ms <= MAX_TIMER_MS)) {
    throw new TokenAuthConfigError(
      `${name} must be a number of milliseconds > 0 and <= ${MAX_TIMER_MS}, got ${String(ms)}`,
    );
  }
  return ms;
}

/** The validated timings and names a store runs with; the connection and the clock are read by the store. */
export interface ResolvedRedisStoreOptions {
  prefix: string;
  maxStalenessMs: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  shutdownTimeoutMs: number;
  writeTimeoutMs: number;
  startTimeoutMs: number;
  epochCheckIntervalMs: number;
  onStoreReset: OnStoreReset;
  waitForReplicas: number;
}

/** Checks the options once, when the store is made, and says what to fix. */
export function resolveRedisStoreOptions(options: RedisRevocationStoreOptions): ResolvedRedisStoreOptions {
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new TokenAuthConfigError(`keyPrefix "${prefix}" may only contain letters, digits and : . _ -`);
  }
  const maxStaleness = options.maxStaleness ?? DEFAULT_MAX_STALENESS;
  if (!Number.isFinite(maxStaleness) || maxStaleness < 0) {
    throw new TokenAuthConfigError(`maxStaleness must be a number of seconds >= 0, got ${String(maxStaleness)}`);
  }
  const resolved = {
    prefix,
    maxStalenessMs: maxStaleness * 1000,
    heartbeatInterval: milliseconds('heartbeatInterval', options.heartbeatInterval, 1000),
    heartbeatTimeout: milliseconds('heartbeatTimeout', options.heartbeatTimeout, 2000),
    shutdownTimeoutMs: milliseconds('shutdownTimeout', options.shutdownTimeout, 5000),
    writeTimeoutMs: milliseconds('writeTimeout', options.writeTimeout, 2000),
    startTimeoutMs: milliseconds('startTimeout', options.startTimeout, 5000),
    epochCheckIntervalMs: milliseconds('epochCheckInterval', options.epochCheckInterval, 10_000),
    onStoreReset: resolveOnStoreReset(options.onStoreReset),
    waitForReplicas: options.waitForReplicas ?? 0,
  };
  if (!Number.isInteger(resolved.waitForReplicas) || resolved.waitForReplicas < 0) {
    throw new TokenAuthConfigError(
      `waitForReplicas must be a whole number of replicas >= 0, got ${String(options.waitForReplicas)}`,
    );
  }
  if (resolved.waitForReplicas > 0 && (options.client as Cluster | undefined)?.isCluster === true) {
    throw new TokenAuthConfigError(
      'waitForReplicas is not supported with a Cluster client: set it to 0, or use a standalone or Sentinel client',
    );
  }
  if (resolved.writeTimeoutMs < MIN_WRITE_TIMEOUT_MS) {
    throw new TokenAuthConfigError(
      `writeTimeout must be at least ${MIN_WRITE_TIMEOUT_MS} ms (a refresh's deadline on Redis's clock is half of it), got ${resolved.writeTimeoutMs}`,
    );
  }
  // `connection: process.env.REDIS_URL` with the variable unset (or set empty): say so, not "needs one of".
  if (options.client === undefined && 'connection' in options && !options.connection) {
    throw new TokenAuthConfigError(
      `RedisRevocationStore: connection is ${options.connection === '' ? 'an empty string' : 'undefined'}: ` +
        'is the variable it is read from (REDIS_URL?) set? Give a redis:// URL, ioredis options or a client',
    );
  }
  if ((options.client === undefined) === (options.connection === undefined)) {
    throw new TokenAuthConfigError(
      'RedisRevocationStore needs exactly one of client (an ioredis instance) or connection',
    );
  }
  return resolved;
}
