import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { KeyRingManager } from '../keys/key-ring-manager.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import { REVOCATION_STORE, type RevocationStore } from '../revocation/revocation-store.interface.js';
import { tokenAuthHealthSummary } from './health-summary.js';

/** Options of `TokenAuthHealthIndicator.isHealthy`. */
export interface TokenAuthHealthOptions {
  /**
   * `false`: the states of `tokenAuthHealthSummary` only (`keyRing`, `revocationStore`), for a health route anyone
   * can read; key ids, the ring's source and the store's counts help an attacker and no load balancer.
   * Default `true`.
   */
  details?: boolean;
}

/**
 * A `@nestjs/terminus` indicator for the token machinery of this instance:
 * - `down` when the key ring is stale (past the provider's `maxStaleness`), or a fail-closed revocation store is
 *   past its own: every token is refused with 503;
 * - `degraded` when the last key refresh failed (the last good ring is still served), or the shared revocation
 *   store is unreachable or behind (revocations are enforced here and queued for the others), or this instance's
 *   clock is off from the store's by more than `clockTolerance`;
 * - `up` otherwise.
 * The details list key ids and states, the ring's age and last error, and the store's counts; never key bytes.
 * `isHealthy(key, { details: false })` gives the states only.
 */
@Injectable()
export class TokenAuthHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly keys: KeyRingManager,
    @Optional() @Inject(REVOCATION_STORE) private readonly revocations?: RevocationStore,
    @Optional() @Inject(TOKEN_AUTH_OPTIONS) private readonly options?: ResolvedTokenAuthOptions,
  ) {}

  isHealthy<const Key extends string = 'token_auth'>(
    key: Key = 'token_auth' as Key,
    options: TokenAuthHealthOptions = {},
  ): HealthIndicatorResult<Key> {
    const indicator = this.indicators.check(key);
    const ring = this.keys.health();
    const revocation = this.revocations?.health();
    // One set of rules decides the status, with or without details: tokenAuthHealthSummary's.
    const { status, ...states } = tokenAuthHealthSummary(ring, revocation, {
      clockToleranceMs: this.options?.clockToleranceMs,
    });
    if (options.details === false) {
      if (status === 'down') return indicator.down(states);
      return status === 'degraded' ? indicator.degraded(states) : indicator.up(states);
    }
    const keyRing = {
      ...ring,
      ageSeconds: Math.max(0, Math.round((Date.now() - Date.parse(ring.lastRefreshAt)) / 1000)),
    };
    const data = { keyRing, ...(revocation && { revocation }) };
    if (status === 'down') {
      const message =
        ring.stale === true
          ? 'key ring is stale: tokens are refused'
          : 'revocation store stale past maxStaleness: tokens are refused';
      return indicator.down({ ...data, message });
    }
    if (status === 'up') return indicator.up(data);
    const problems = [
      ring.lastError && 'the last key ring refresh failed',
      revocation?.connected === false && 'revocation store unreachable',
      revocation?.staleSince !== undefined && `revocation store behind since ${revocation.staleSince}`,
      states.clock === 'skewed' &&
        `this instance's clock is ${Math.abs(revocation?.clockOffsetMs ?? 0)} ms off the revocation store's (fix NTP)`,
    ].filter((problem): problem is string => typeof problem === 'string');
    return indicator.degraded({ ...data, message: problems.join('; ') });
  }
}
