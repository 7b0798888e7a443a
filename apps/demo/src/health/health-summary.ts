import type { KeyRingHealth, RevocationStoreHealth } from 'nestjs-token-auth';

/**
 * `up`: serving; `degraded`: serving on a last good ring or with revocations queued; `down`: refusing tokens or
 * shutting down (load balancers stop sending before the drain ends).
 */
export type HealthStatus = 'up' | 'degraded' | 'down';

/**
 * What the public `/health` tells anyone: states only, never key ids, key sources (file paths, secret ids) or
 * counts. Each part is one word, so a new condition is one more field and one more rule in `summarize`.
 */
export interface HealthSummary {
  status: HealthStatus;
  /** `fresh`; `refresh_failing` (the last good ring is served); `stale` (past maxStaleness: tokens are refused). */
  keyRing: 'fresh' | 'refresh_failing' | 'stale';
  /** `local` (in memory, one instance); `connected`; `stale` (behind or unreachable: revocations are queued). */
  revocationStore: 'local' | 'connected' | 'stale';
  /** `serving`; `shutting_down` from the first moment of a shutdown (requests under way still finish). */
  instance: 'serving' | 'shutting_down';
}

export function summarize(
  keyRing: KeyRingHealth,
  revocation: RevocationStoreHealth,
  shuttingDown: boolean,
): HealthSummary {
  const ring = keyRing.stale === true ? 'stale' : keyRing.lastError ? 'refresh_failing' : 'fresh';
  const store =
    revocation.connected === undefined
      ? 'local'
      : revocation.connected && revocation.staleSince === undefined
        ? 'connected'
        : 'stale';
  const instance = shuttingDown ? 'shutting_down' : 'serving';
  const status: HealthStatus =
    ring === 'stale' || shuttingDown ? 'down' : ring === 'fresh' && store !== 'stale' ? 'up' : 'degraded';
  return { status, keyRing: ring, revocationStore: store, instance };
}
