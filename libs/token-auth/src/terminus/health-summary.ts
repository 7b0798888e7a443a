import type { KeyRingHealth } from '../keys/key-ring-manager.js';
import type { RevocationStoreHealth } from '../revocation/revocation-store.interface.js';

/**
 * `up`: serving; `degraded`: serving on the last good key ring or with revocations queued for other instances;
 * `down`: every token is refused (the key ring is past its `maxStaleness`).
 */
export type TokenAuthHealthStatus = 'up' | 'degraded' | 'down';

/**
 * The token machinery of this instance in states only: no key ids, key sources (file paths, secret ids), errors
 * or counts, so it may be shown on a public health route. Each part is one word.
 */
export interface TokenAuthHealthSummary {
  status: TokenAuthHealthStatus;
  /** `fresh`; `refresh_failing` (the last good ring is served); `stale` (past maxStaleness: tokens are refused). */
  keyRing: 'fresh' | 'refresh_failing' | 'stale';
  /** `local` (in memory, this instance only); `connected`; `stale` (behind or unreachable: revocations are queued). */
  revocationStore: 'local' | 'connected' | 'stale';
}

/**
 * Summarizes `KeyRingManager.health()` and `RevocationStore.health()` (a store that does not say whether it is
 * connected is local). Needs no `@nestjs/terminus`: the rules `TokenAuthHealthIndicator` reports by.
 */
export function tokenAuthHealthSummary(
  keyRing: KeyRingHealth,
  revocation?: RevocationStoreHealth,
): TokenAuthHealthSummary {
  const ring = keyRing.stale === true ? 'stale' : keyRing.lastError ? 'refresh_failing' : 'fresh';
  const store =
    revocation?.connected === undefined
      ? 'local'
      : revocation.connected && revocation.staleSince === undefined
        ? 'connected'
        : 'stale';
  const status = ring === 'stale' ? 'down' : ring === 'fresh' && store !== 'stale' ? 'up' : 'degraded';
  return { status, keyRing: ring, revocationStore: store };
}
