import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { DEFAULT_VERIFY_CACHE } from './defaults.js';

/** Bounds of the verified-token cache: `TokenAuthModule.forRoot({ ..., verifyCache: { maxEntries: 50_000 } })`. */
export interface VerifyCacheOptions {
  /** Most tokens held. Default 10 000. */
  maxEntries?: number;
  /** Most bytes held, as estimated per entry from the token's length. Default 8 MiB. */
  maxBytes?: number;
}

export interface ResolvedVerifyCacheOptions {
  maxEntries: number;
  maxBytes: number;
}

function positiveInteger(value: unknown, name: keyof VerifyCacheOptions, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TokenAuthConfigError(`verifyCache.${name} must be a whole number of at least 1, got ${String(value)}`);
  }
  return value;
}

/** On by default; `false` turns it off. */
export function resolveVerifyCacheOptions(
  options: VerifyCacheOptions | false | undefined,
): ResolvedVerifyCacheOptions | false {
  if (options === false) return false;
  if (options === undefined) return DEFAULT_VERIFY_CACHE;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TokenAuthConfigError(
      'verifyCache must be false, or an object such as { maxEntries: 10000 }, or left out',
    );
  }
  return {
    maxEntries: positiveInteger(options.maxEntries, 'maxEntries', DEFAULT_VERIFY_CACHE.maxEntries),
    maxBytes: positiveInteger(options.maxBytes, 'maxBytes', DEFAULT_VERIFY_CACHE.maxBytes),
  };
}
