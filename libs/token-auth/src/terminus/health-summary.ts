import type { KeyRingHealth } from '../keys/key-ring-manager.js';
import { DEFAULT_CLOCK_TOLERANCE } from '../options/defaults.js';
import type { RevocationStoreHealth } from '../revocation/revocation-store.interface.js';

/**
 * `up`: serving; `degraded`: serving on the last good key ring, with revocations queued for other instances, or
 * with this instance's clock off from the shared store's by more than the tolerance;
 * `down`: every token is refused (the key ring, or a fail-closed revocation store, is past its `maxStaleness`), so
 * a load balancer should send the traffic elsewhere.
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
  /**
   * `local` (in memory, this instance only); `connected`; `stale` (behind or unreachable: revocations are queued);
   * `refusing` (stale past `maxStaleness`, failing closed: every token is refused).
   */
  revocationStore: 'local' | 'connected' | 'stale' | 'refusing';
  /**
   * `in_step`; `skewed`: this instance's clock is off from the shared store's by more than `clockTolerance`. Tokens
   * are still stamped and checked on the store's clock, but whatever else the app times by its own clock is off.
   */
  clock: 'in_step' | 'skewed';
}

/** Options of `tokenAuthHealthSummary`. */
export interface TokenAuthHealthSummaryOptions {
  /** The module's `clockTolerance` in ms: a wider offset from the store's clock is `skewed`. Default 30 s. */
  clockToleranceMs?: number;
}

/**
 * Summarizes `KeyRingManager.health()` and `RevocationStore.health()` (a store that does not say whether it is
 * connected is local). Needs no `@nestjs/terminus`: the rules `TokenAuthHealthIndicator` reports by.
 */
export function tokenAuthHealthSummary(
  keyRing: KeyRingHealth,
  revocation?: RevocationStoreHealth,
  { clockToleranceMs = DEFAULT_CLOCK_TOLERANCE * 1000 }: TokenAuthHealthSummaryOptions = {},
): TokenAuthHealthSummary {
  const ring = keyRing.stale === true ? 'stale' : keyRing.lastError ? 'refresh_failing' : 'fresh';
  const store =
    revocation?.connected === undefined
      ? 'local'
      : revocation.refusing === true
        ? 'refusing'
        : revocation.connected && revocation.staleSince === undefined
          ? 'connected'
          : 'stale';
  const clock = Math.abs(revocation?.clockOffsetMs ?? 0) > clockToleranceMs ? 'skewed' : 'in_step';
  const serving = store === 'connected' || store === 'local';
  const status =
    ring === 'stale' || store === 'refusing'
      ? 'down'
      : ring === 'fresh' && serving && clock === 'in_step'
        ? 'up'
        : 'degraded';
  return { status, keyRing: ring, revocationStore: store, clock };
}
