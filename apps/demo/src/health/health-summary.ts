import {
  tokenAuthHealthSummary,
  type KeyRingHealth,
  type RevocationStoreHealth,
  type TokenAuthHealthSummary,
} from 'nestjs-token-auth';

/**
 * What the public `/health` tells anyone: the library's states-only summary (never key ids, key sources or
 * counts) and this instance's own part. `down` while shutting down, so load balancers stop sending before the
 * drain ends.
 */
export interface HealthSummary extends TokenAuthHealthSummary {
  /** `serving`; `shutting_down` from the first moment of a shutdown (requests under way still finish). */
  instance: 'serving' | 'shutting_down';
}

export function summarize(
  keyRing: KeyRingHealth,
  revocation: RevocationStoreHealth,
  shuttingDown: boolean,
): HealthSummary {
  const tokenAuth = tokenAuthHealthSummary(keyRing, revocation);
  return {
    status: shuttingDown ? 'down' : tokenAuth.status,
    keyRing: tokenAuth.keyRing,
    revocationStore: tokenAuth.revocationStore,
    clock: tokenAuth.clock,
    instance: shuttingDown ? 'shutting_down' : 'serving',
  };
}
