import type { KeyProvider } from './keys/key-provider.interface.js';
import { TokenAuthConfigError } from './errors/token-auth-config.error.js';
import { resolveCookieOptions, type ResolvedCookieOptions, type TokenAuthCookieOptions } from './transport/cookie-options.js';

export interface TokenAuthModuleOptions {
  /** Where keys come from: `EnvKeyProvider`, `StaticKeyProvider`, or your own `KeyProvider`. */
  keyProvider: KeyProvider;
  /** Lifetime of access tokens, in seconds. Default 900 (15 minutes). */
  accessTokenTtl?: number;
  /** The longest access-token lifetime the verifier accepts (`exp - iat`), in seconds. Default 86400 (1 day). */
  maxAccessTokenTtl?: number;
  /** Allowed clock skew between instances, in seconds. Default 30, at most 300. */
  clockTolerance?: number;
  /** Milliseconds since the epoch. Default `Date.now`; replace it only in tests. */
  clock?: () => number;
  /** Opt-in HttpOnly cookie transport for browser apps, with CSRF protection. Off by default. */
  cookie?: TokenAuthCookieOptions;
}

/** The options after validation, with times in milliseconds. */
export interface ResolvedTokenAuthOptions {
  keyProvider: KeyProvider;
  accessTokenTtlMs: number;
  maxAccessTokenTtlMs: number;
  clockToleranceMs: number;
  clock: () => number;
  cookie?: ResolvedCookieOptions;
}

export const MAX_CLOCK_TOLERANCE = 300;

function seconds(options: TokenAuthModuleOptions, name: keyof TokenAuthModuleOptions, fallback: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TokenAuthConfigError(`${name} must be a whole number of seconds, got ${String(value)}`);
  }
  return value;
}

/** Checks the options once, at bootstrap, and says what to fix. */
export function resolveOptions(options: TokenAuthModuleOptions): ResolvedTokenAuthOptions {
  if (!options || typeof options.keyProvider?.load !== 'function') {
    throw new TokenAuthConfigError(
      'keyProvider is required: pass new EnvKeyProvider(), a StaticKeyProvider or your own KeyProvider',
    );
  }
  const ttl = seconds(options, 'accessTokenTtl', 900);
  const maxTtl = seconds(options, 'maxAccessTokenTtl', 86_400);
  const tolerance = seconds(options, 'clockTolerance', 30);
  if (ttl === 0) {
    throw new TokenAuthConfigError('accessTokenTtl must be at least 1 second');
  }
  if (ttl > maxTtl) {
    throw new TokenAuthConfigError(
      `accessTokenTtl (${ttl} s) exceeds maxAccessTokenTtl (${maxTtl} s); lower the TTL or raise the maximum`,
    );
  }
  if (tolerance > MAX_CLOCK_TOLERANCE) {
    throw new TokenAuthConfigError(
      `clockTolerance (${tolerance} s) is over ${MAX_CLOCK_TOLERANCE} s; fix the clocks (NTP) instead of widening it`,
    );
  }
  return {
    keyProvider: options.keyProvider,
    accessTokenTtlMs: ttl * 1000,
    maxAccessTokenTtlMs: maxTtl * 1000,
    clockToleranceMs: tolerance * 1000,
    clock: options.clock ?? Date.now,
    cookie: resolveCookieOptions(options.cookie),
  };
}
