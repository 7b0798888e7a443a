import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';

/**
 * What a store does with refresh tokens issued before it lost its session records (a restart of the memory store,
 * a Redis that lost its data): `'refuse'` answers `session_reset`, `'trust'` lets them refresh once more.
 */
export type OnStoreReset = 'refuse' | 'trust';

/** The option as both stores read it: `'refuse'` by default, anything else stops startup. */
export function resolveOnStoreReset(value: OnStoreReset | undefined): OnStoreReset {
  const resolved = value ?? 'refuse';
  if (resolved !== 'refuse' && resolved !== 'trust') {
    throw new TokenAuthConfigError(`onStoreReset must be 'refuse' or 'trust', got ${String(resolved)}`);
  }
  return resolved;
}
