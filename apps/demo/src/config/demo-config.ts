import type { RedisOptions } from 'ioredis';
import { redisConnectionFromUrl } from 'nestjs-token-auth/redis';
import { DemoConfigError } from './demo-config.error.js';

export const DEMO_ADAPTERS = ['express', 'fastify'] as const;
export type DemoAdapter = (typeof DEMO_ADAPTERS)[number];

/** Everything the demo reads from its environment, checked once at startup. */
export interface DemoConfig {
  /** `PORT`, default 3000; 0 picks a free port. */
  port: number;
  /** `HOST`, default 127.0.0.1; set 0.0.0.0 to serve other machines (for example in a container). */
  host: string;
  /** `DEMO_ADAPTER`: express (default) or fastify. */
  adapter: DemoAdapter;
  /** `DEMO_DB_PATH`, default `.data/demo.sqlite`; `:memory:` keeps everything in memory. */
  dbPath: string;
  /** `ACCESS_TOKEN_TTL` in seconds, default 900. */
  accessTokenTtl: number;
  /**
   * `REFRESH_REPLAY_WINDOW` in seconds, default 30: how long a spent refresh token still returns its successor (a
   * retry after a lost answer); later it is reuse, and the session is revoked. 0: never.
   */
  refreshReplayWindow: number;
  /** `LOGIN_RATE_LIMIT`: login attempts per minute per client IP, default 10. */
  loginRateLimit: number;
  /**
   * `ACCOUNT_LOGIN_LIMIT`: failed logins per account name in `ACCOUNT_LOGIN_WINDOW` seconds (default 10 in 900),
   * from any address; shared by every instance through `REDIS_URL` when it is set.
   */
  accountLoginLimit: number;
  accountLoginWindow: number;
  /**
   * `HASHING_MAX_WAIT` in ms, default 1000: a password check (or hash) that would wait longer for the hashing
   * queue is answered 503 with `Retry-After` at once.
   */
  hashingMaxWait: number;
  /**
   * `REDIS_URL`: share revocations between instances through Redis, serving them from a local replica for up to
   * `REVOCATION_MAX_STALENESS` seconds (default 60) while Redis is unreachable. Unset: revocations stay in memory.
   * `redis://` or `rediss://`, or through Sentinel `redis+sentinel://[[user]:password@]host:port[,host:port...]/
   * masterName[/db]` (`rediss+sentinel://` for TLS), read by the library's `redisConnectionFromUrl`.
   * `REDIS_WAIT_REPLICAS` (default 0): replicas that must hold each rotation and revocation before it is answered
   * (the store's `waitForReplicas`). `REVOCATION_WRITE_TIMEOUT` in ms (default 2000): how long a write or a refresh
   * may take (the store's `writeTimeout`; with replicas to wait for, half of it is the wait).
   */
  redis?: RedisConfig;
  /**
   * `REVOCATION_REQUIRE_PERSISTED` (`true` or `false`, default false): a logout Redis did not confirm in time answers
   * 503 (retry, perhaps on another instance) instead of 202 `{ persisted: false }`.
   */
  requirePersistedRevocations: boolean;
  /**
   * `SHUTDOWN_DRAIN_TIMEOUT` in seconds, default 10: on SIGTERM, how long requests under way may take to finish
   * before their connections are cut; 0 cuts them at once.
   */
  shutdownDrainTimeout: number;
  /**
   * `STEP_UP_MAX_AGE` in seconds, default 300: how recent a login `DELETE /account` needs (the module's
   * `freshLoginMaxAge`, read by `@RequireFreshLogin()`); an older one is 401 `insufficient_user_authentication`.
   */
  stepUpMaxAge: number;
  /** The environment the key ring is read from (`TOKEN_AUTH_KEYS`). */
  env: NodeJS.ProcessEnv;
}

export interface RedisConfig {
  url: string;
  /** What the store connects with: the URL itself, or Sentinel options made of it. */
  connection: string | RedisOptions;
  maxStaleness: number;
  waitForReplicas: number;
  writeTimeout: number;
}

export const DEMO_CONFIG = Symbol('demo:config');

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new DemoConfigError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const text = env[name]?.trim() ?? '';
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  throw new DemoConfigError(`${name} must be true or false, got "${text}"`);
}

function redis(env: NodeJS.ProcessEnv): DemoConfig['redis'] {
  const url = env.REDIS_URL?.trim();
  if (!url) return undefined;
  let connection: string | RedisOptions;
  try {
    connection = redisConnectionFromUrl(url);
  } catch (error) {
    throw new DemoConfigError(`REDIS_URL must be a usable Redis URL: ${(error as Error).message}`);
  }
  return {
    url,
    connection,
    maxStaleness: integer(env, 'REVOCATION_MAX_STALENESS', 60, 0, 86_400),
    waitForReplicas: integer(env, 'REDIS_WAIT_REPLICAS', 0, 0, 100),
    writeTimeout: integer(env, 'REVOCATION_WRITE_TIMEOUT', 2000, 100, 60_000),
  };
}

export function loadDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const adapter = env.DEMO_ADAPTER?.trim() || 'express';
  if (!(DEMO_ADAPTERS as readonly string[]).includes(adapter)) {
    throw new DemoConfigError(`DEMO_ADAPTER must be one of ${DEMO_ADAPTERS.join(', ')}, got "${adapter}"`);
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    host: env.HOST?.trim() || '127.0.0.1',
    adapter: adapter as DemoAdapter,
    dbPath: env.DEMO_DB_PATH?.trim() || '.data/demo.sqlite',
    accessTokenTtl: integer(env, 'ACCESS_TOKEN_TTL', 900, 1, 86_400),
    refreshReplayWindow: integer(env, 'REFRESH_REPLAY_WINDOW', 30, 0, 3_600),
    loginRateLimit: integer(env, 'LOGIN_RATE_LIMIT', 10, 1, 1_000_000),
    accountLoginLimit: integer(env, 'ACCOUNT_LOGIN_LIMIT', 10, 1, 1_000_000),
    accountLoginWindow: integer(env, 'ACCOUNT_LOGIN_WINDOW', 900, 1, 86_400),
    hashingMaxWait: integer(env, 'HASHING_MAX_WAIT', 1000, 0, 600_000),
    redis: redis(env),
    requirePersistedRevocations: flag(env, 'REVOCATION_REQUIRE_PERSISTED'),
    shutdownDrainTimeout: integer(env, 'SHUTDOWN_DRAIN_TIMEOUT', 10, 0, 3_600),
    stepUpMaxAge: integer(env, 'STEP_UP_MAX_AGE', 300, 0, 86_400),
    env,
  };
}
