import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { KeyRingManager } from '../keys/key-ring-manager.js';
import { REVOCATION_STORE, type RevocationStore } from '../revocation/revocation-store.interface.js';

/**
 * A `@nestjs/terminus` indicator for the token machinery of this instance:
 * - `down` when the key ring is stale (past the provider's `maxStaleness`: every token is refused with 503);
 * - `degraded` when the last key refresh failed (the last good ring is still served), or the shared revocation
 *   store is unreachable or behind (revocations are enforced here and queued for the others);
 * - `up` otherwise.
 * The details list key ids and states, the ring's age and last error, and the store's counts; never key bytes.
 */
@Injectable()
export class TokenAuthHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly keys: KeyRingManager,
    @Optional() @Inject(REVOCATION_STORE) private readonly revocations?: RevocationStore,
  ) {}

  isHealthy<const Key extends string = 'token_auth'>(key: Key = 'token_auth' as Key): HealthIndicatorResult<Key> {
    const indicator = this.indicators.check(key);
    const ring = this.keys.health();
    const keyRing = {
      ...ring,
      ageSeconds: Math.max(0, Math.round((Date.now() - Date.parse(ring.lastRefreshAt)) / 1000)),
    };
    const revocation = this.revocations?.health();
    const data = { keyRing, ...(revocation && { revocation }) };
    if (ring.stale === true) return indicator.down({ ...data, message: 'key ring is stale: tokens are refused' });
    const problems = [
      ring.lastError && 'the last key ring refresh failed',
      revocation?.connected === false && 'revocation store unreachable',
      revocation?.staleSince !== undefined && `revocation store behind since ${revocation.staleSince}`,
    ].filter((problem): problem is string => typeof problem === 'string');
    if (problems.length > 0) return indicator.degraded({ ...data, message: problems.join('; ') });
    return indicator.up(data);
  }
}
