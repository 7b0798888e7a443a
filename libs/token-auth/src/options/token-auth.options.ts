import { Logger } from '@nestjs/common';
import { nearestName } from '../errors/nearest-name.js';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import type { KeyProvider } from '../keys/key-provider.interface.js';
import type { RevocationStore } from '../revocation/revocation-store.interface.js';
import type { SessionIpMode } from '../revocation/session-entry.js';
import { resolveAudience } from './audience-option.js';
import { resolveAuthorizationSchemes, resolveUserOption, type ResolveUser } from './authorization-options.js';
import type { AuthorizationSchemes } from '../http/authorization-header.js';
import { resolveCookieOptions, type ResolvedCookieOptions, type TokenAuthCookieOptions } from './cookie-options.js';
import { resolveMetricsOptions, type TokenAuthMetricsOptions } from './metrics-options.js';
import {
  DEFAULT_ACCESS_TOKEN_TTL,
  DEFAULT_CLOCK_TOLERANCE,
  DEFAULT_FRESH_LOGIN_MAX_AGE,
  DEFAULT_MAX_ACCESS_TOKEN_TTL,
  DEFAULT_MAX_REFRESH_TOKEN_TTL,
  DEFAULT_MAX_SESSION_LIFETIME,
  DEFAULT_REFRESH_REPLAY_WINDOW,
  DEFAULT_REFRESH_TOKEN_TTL,
  MAX_CLOCK_TOLERANCE,
} from './defaults.js';
import {
  resolveVerifyCacheOptions,
  type ResolvedVerifyCacheOptions,
  type VerifyCacheOptions,
} from './verify-cache-options.js';

/**
 * Injection token of the validated `ResolvedTokenAuthOptions`. Tokens use `Symbol.for`, so the ESM and CommonJS
 * builds share them when one process loads both.
 */
export const TOKEN_AUTH_OPTIONS = Symbol.for('nestjs-token-auth:options');

export interface TokenAuthModuleOptions {
  /** Where keys come from: `EnvKeyProvider`, `StaticKeyProvider`, or your own `KeyProvider`. */
  keyProvider: KeyProvider;
  /** Lifetime of access tokens, in seconds. Default 900 (15 minutes). */
  accessTokenTtl?: number;
  /** The longest access-token lifetime the verifier accepts (`exp - iat`), in seconds. Default 86400 (1 day). */
  maxAccessTokenTtl?: number;
  /** Allowed clock skew between instances, in seconds. Default 30, at most 300. */
  clockTolerance?: number;
  /**
   * This service's name for the audience caveats of attenuated tokens (docs/token-format.md, section 9.3): a token
   * narrowed to an audience is accepted only by a service whose `audience` is exactly that. Unset: none is.
   */
  audience?: string;
  /** Milliseconds since the epoch. Default `Date.now`; replace it only in tests. */
  clock?: () => number;
  /** Opt-in HttpOnly cookie transport for browser apps, with CSRF protection. Off by default. */
  cookie?: TokenAuthCookieOptions;
  /**
   * Where revocations live. Default: a `MemoryRevocationStore` (one instance). For several instances, a
   * `RedisRevocationStore` from `nestjs-token-auth/redis`.
   */
  revocationStore?: RevocationStore;
  /** Lifetime of refresh tokens, in seconds. Default 1209600 (14 days). */
  refreshTokenTtl?: number;
  /** The longest refresh-token lifetime the verifier accepts (`exp - iat`), in seconds. Default 2592000 (30 days). */
  maxRefreshTokenTtl?: number;
  /**
   * Seconds a session may last from its login, however often it refreshes: past it, refresh answers
   * `session_expired` and the user signs in again. Default 2592000 (30 days).
   */
  maxSessionLifetime?: number;
  /**
   * `true`: a revocation the shared store could not confirm in time (it is enforced on this instance at once and
   * queued for the store) throws `revocation_unavailable` (503), so the client retries, on another instance if this
   * one is failing, instead of taking `{ persisted: false }` (202) for an answer. Default `false`.
   */
  requirePersistedRevocations?: boolean;
  /**
   * Seconds after a refresh token's first use during which presenting it again (two tabs, a retry after a lost
   * answer or a 503) returns the same successor pair, while that pair is unused. Later, or once the successor was
   * used, it is reuse: the session is revoked. Default 30; 0 makes every second use a reuse.
   */
  refreshReplayWindow?: number;
  /**
   * @deprecated Ignored, with a warning at startup: use `refreshReplayWindow`.
   */
  refreshReuseGrace?: number;
  /**
   * Remembers tokens that passed verification twice, so verifying one again skips decoding and the HMAC; expiry,
   * the key ring and revocation are checked on every use all the same. Default `{ maxEntries: 10000, maxBytes: 8 MiB }`;
   * `false` turns it off.
   */
  verifyCache?: VerifyCacheOptions | false;
  /**
   * How much of `device.ip` (given at login) a session keeps for its owner's list of sessions: `'truncated'` (default)
   * its /24 (IPv4) or /48 (IPv6), enough to tell a country or a provider apart; `'full'` the whole address.
   */
  sessionIp?: SessionIpMode;
  /**
   * Seconds since the user's login within which `@RequireFreshLogin()` (without an argument) lets a request through;
   * older logins get 401 `insufficient_user_authentication` (RFC 9470). Default 300.
   */
  freshLoginMaxAge?: number;
  /**
   * OpenTelemetry metrics (`@opentelemetry/api`, an optional peer): `{ meterProvider }`, or by default the global
   * provider when the package is installed (a no-op until the app registers the SDK); `false` turns them off. The
   * request path only increments in-memory counters either way; the instruments read them when the provider collects.
   */
  metrics?: TokenAuthMetricsOptions | false;
  /**
   * The schemes of `Authorization` a token is accepted under, compared case-insensitively (RFC 9110): default
   * `['Bearer']`; `['Token', 'Bearer']` for clients that send `Authorization: Token <token>`, as RealWorld
   * ("Conduit") apps do. The guard, GraphQL and WebSockets read every listed scheme with the same strict parsing, and
   * a 401's `WWW-Authenticate` challenge names the first.
   */
  authorizationSchemes?: readonly string[];
  /**
   * Loads the app's own user for a verified token, once per request (the guard awaits it): `@CurrentUser()` then
   * gives that user, while `@CurrentUser('sub')` and the other fields still read the token's claims. Returning
   * `undefined` or `null` refuses the request with 401 `unknown_user`. Default: none, `@CurrentUser()` is the claims.
   */
  resolveUser?: ResolveUser;
}

/**
 * Every option name, once: a key not listed here stops bootstrap (a misspelt option must not be ignored), and the
 * type makes a new option in `TokenAuthModuleOptions` fail to compile until it is listed.
 */
const OPTION_NAMES: Record<keyof TokenAuthModuleOptions, true> = {
  keyProvider: true,
  accessTokenTtl: true,
  maxAccessTokenTtl: true,
  clockTolerance: true,
  audience: true,
  clock: true,
  cookie: true,
  revocationStore: true,
  refreshTokenTtl: true,
  maxRefreshTokenTtl: true,
  maxSessionLifetime: true,
  refreshReplayWindow: true,
  requirePersistedRevocations: true,
  refreshReuseGrace: true,
  verifyCache: true,
  sessionIp: true,
  freshLoginMaxAge: true,
  metrics: true,
  authorizationSchemes: true,
  resolveUser: true,
};

function rejectUnknownOptions(options: object): void {
  const known = Object.keys(OPTION_NAMES);
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(OPTION_NAMES, name)) continue;
    const nearest = nearestName(name, known);
    throw new TokenAuthConfigError(
      nearest
        ? `unknown option "${name}": did you mean "${nearest}"?`
        : `unknown option "${name}"; the options are ${known.join(', ')}`,
    );
  }
}

/** The options after validation, with times in milliseconds. */
export interface ResolvedTokenAuthOptions {
  keyProvider: KeyProvider;
  accessTokenTtlMs: number;
  maxAccessTokenTtlMs: number;
  clockToleranceMs: number;
  /** Undefined: this service meets no audience caveat. */
  audience: string | undefined;
  clock: () => number;
  cookie?: ResolvedCookieOptions;
  /** Undefined: the module makes a `MemoryRevocationStore`. */
  revocationStore?: RevocationStore;
  refreshTokenTtlMs: number;
  maxRefreshTokenTtlMs: number;
  maxSessionLifetimeMs: number;
  refreshReplayWindowMs: number;
  requirePersistedRevocations: boolean;
  verifyCache: ResolvedVerifyCacheOptions | false;
  sessionIp: SessionIpMode;
  freshLoginMaxAge: number;
  /** `{}`: the global meter provider, if any. */
  metrics: TokenAuthMetricsOptions | false;
  authorizationSchemes: AuthorizationSchemes;
  /** Undefined: `@CurrentUser()` is the verified claims. */
  resolveUser: ResolveUser | undefined;
}

function seconds(options: TokenAuthModuleOptions, name: keyof TokenAuthModuleOptions, fallback: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TokenAuthConfigError(`${name} must be a whole number of seconds, got ${String(value)}`);
  }
  return value;
}

/** A token lifetime and the longest one the verifier accepts: the lifetime must be 1 second up to that maximum. */
function lifetime(
  options: TokenAuthModuleOptions,
  name: keyof TokenAuthModuleOptions,
  fallback: number,
  maxName: keyof TokenAuthModuleOptions,
  maxFallback: number,
): { ttl: number; max: number } {
  const ttl = seconds(options, name, fallback);
  const max = seconds(options, maxName, maxFallback);
  if (ttl === 0) {
    throw new TokenAuthConfigError(`${name} must be at least 1 second`);
  }
  if (ttl > max) {
    throw new TokenAuthConfigError(
      `${name} (${ttl} s) exceeds ${maxName} (${max} s); lower the TTL or raise the maximum`,
    );
  }
  return { ttl, max };
}

/** Checks the options once, at bootstrap, and says what to fix. */
export function resolveOptions(options: TokenAuthModuleOptions): ResolvedTokenAuthOptions {
  if (!options || typeof options.keyProvider?.load !== 'function') {
    throw new TokenAuthConfigError(
      'keyProvider is required: pass new EnvKeyProvider(), a StaticKeyProvider or your own KeyProvider',
    );
  }
  rejectUnknownOptions(options);
  const access = lifetime(
    options,
    'accessTokenTtl',
    DEFAULT_ACCESS_TOKEN_TTL,
    'maxAccessTokenTtl',
    DEFAULT_MAX_ACCESS_TOKEN_TTL,
  );
  const tolerance = seconds(options, 'clockTolerance', DEFAULT_CLOCK_TOLERANCE);
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new TokenAuthConfigError('clock must be a function returning milliseconds since the epoch, like Date.now');
  }
  if (tolerance > MAX_CLOCK_TOLERANCE) {
    throw new TokenAuthConfigError(
      `clockTolerance (${tolerance} s) is over ${MAX_CLOCK_TOLERANCE} s; fix the clocks (NTP) instead of widening it`,
    );
  }
  const refresh = lifetime(
    options,
    'refreshTokenTtl',
    DEFAULT_REFRESH_TOKEN_TTL,
    'maxRefreshTokenTtl',
    DEFAULT_MAX_REFRESH_TOKEN_TTL,
  );
  const sessionLifetime = seconds(options, 'maxSessionLifetime', DEFAULT_MAX_SESSION_LIFETIME);
  if (sessionLifetime === 0) {
    throw new TokenAuthConfigError('maxSessionLifetime must be at least 1 second');
  }
  // The default never exceeds a short refresh-token lifetime; a window set longer than it is a mistake.
  const replayWindow = seconds(options, 'refreshReplayWindow', Math.min(DEFAULT_REFRESH_REPLAY_WINDOW, refresh.ttl));
  if (replayWindow > refresh.ttl) {
    throw new TokenAuthConfigError(
      `refreshReplayWindow (${replayWindow} s) exceeds refreshTokenTtl (${refresh.ttl} s); a few seconds is enough for retries`,
    );
  }
  const requirePersisted = options.requirePersistedRevocations;
  if (requirePersisted !== undefined && typeof requirePersisted !== 'boolean') {
    throw new TokenAuthConfigError(
      `requirePersistedRevocations must be true or false, got ${String(requirePersisted)}`,
    );
  }
  if (options.refreshReuseGrace !== undefined) {
    new Logger('TokenAuth').warn(
      'refreshReuseGrace is deprecated and ignored: refreshReplayWindow (seconds, default 30) says how long a refresh ' +
        'token presented again gets the same successor; remove the option',
    );
  }
  const sessionIp = options.sessionIp ?? 'truncated';
  if (sessionIp !== 'truncated' && sessionIp !== 'full') {
    throw new TokenAuthConfigError(`sessionIp must be 'truncated' or 'full', got ${String(options.sessionIp)}`);
  }
  const store = options.revocationStore;
  if (
    store !== undefined &&
    (typeof store?.isRevoked !== 'function' ||
      typeof store.revokeToken !== 'function' ||
      typeof store.rotateSession !== 'function')
  ) {
    throw new TokenAuthConfigError(
      'revocationStore must implement RevocationStore: pass a MemoryRevocationStore, a RedisRevocationStore or your own',
    );
  }
  return {
    keyProvider: options.keyProvider,
    accessTokenTtlMs: access.ttl * 1000,
    maxAccessTokenTtlMs: access.max * 1000,
    clockToleranceMs: tolerance * 1000,
    audience: resolveAudience(options.audience),
    clock: options.clock ?? Date.now,
    cookie: resolveCookieOptions(options.cookie),
    revocationStore: store,
    refreshTokenTtlMs: refresh.ttl * 1000,
    maxRefreshTokenTtlMs: refresh.max * 1000,
    maxSessionLifetimeMs: sessionLifetime * 1000,
    refreshReplayWindowMs: replayWindow * 1000,
    requirePersistedRevocations: options.requirePersistedRevocations === true,
    verifyCache: resolveVerifyCacheOptions(options.verifyCache),
    sessionIp,
    freshLoginMaxAge: seconds(options, 'freshLoginMaxAge', DEFAULT_FRESH_LOGIN_MAX_AGE),
    metrics: resolveMetricsOptions(options.metrics),
    authorizationSchemes: resolveAuthorizationSchemes(options.authorizationSchemes),
    resolveUser: resolveUserOption(options.resolveUser),
  };
}
