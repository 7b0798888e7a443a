import { describe, expect, it } from '@jest/globals';
import type { KeyRingHealth } from '../keys/key-ring-manager.js';
import type { RevocationStoreHealth } from '../revocation/revocation-store.interface.js';
import { tokenAuthHealthSummary, type TokenAuthHealthSummary } from './health-summary.js';

const ring: KeyRingHealth = {
  source: 'file /run/secrets/keys.json',
  keys: [{ id: 'HYSLOf41yZep', state: 'active' }] as KeyRingHealth['keys'],
  lastRefreshAt: '2026-12-01T00:00:00.000Z',
};
const memory: RevocationStoreHealth = { store: 'memory', tokens: 3, sessions: 2, users: 1 };
const redis: RevocationStoreHealth = { ...memory, store: 'redis', connected: true };

describe('tokenAuthHealthSummary', () => {
  it.each<[string, KeyRingHealth, RevocationStoreHealth | undefined, TokenAuthHealthSummary]>([
    [
      'a fresh ring and a local store',
      ring,
      memory,
      { status: 'up', keyRing: 'fresh', revocationStore: 'local', clock: 'in_step' },
    ],
    ['no store given', ring, undefined, { status: 'up', keyRing: 'fresh', revocationStore: 'local', clock: 'in_step' }],
    [
      'a connected shared store',
      ring,
      redis,
      { status: 'up', keyRing: 'fresh', revocationStore: 'connected', clock: 'in_step' },
    ],
    [
      'a failed refresh',
      { ...ring, lastError: { message: 'x', at: 'y' } },
      redis,
      { status: 'degraded', keyRing: 'refresh_failing', revocationStore: 'connected', clock: 'in_step' },
    ],
    [
      'an unreachable store',
      ring,
      { ...redis, connected: false },
      { status: 'degraded', keyRing: 'fresh', revocationStore: 'stale', clock: 'in_step' },
    ],
    [
      'a store behind',
      ring,
      { ...redis, staleSince: '2026-12-01T00:00:00.000Z' },
      { status: 'degraded', keyRing: 'fresh', revocationStore: 'stale', clock: 'in_step' },
    ],
    [
      'a stale ring',
      { ...ring, stale: true, lastError: { message: 'x', at: 'y' } },
      redis,
      { status: 'down', keyRing: 'stale', revocationStore: 'connected', clock: 'in_step' },
    ],
    [
      'a store past its maxStaleness, failing closed: every token refused, so the instance is down',
      ring,
      { ...redis, connected: false, staleSince: '2026-12-01T00:00:00.000Z', refusing: true },
      { status: 'down', keyRing: 'fresh', revocationStore: 'refusing', clock: 'in_step' },
    ],
  ])('%s', (_, keyRing, store, expected) => {
    const summary = tokenAuthHealthSummary(keyRing, store);
    expect(summary).toEqual(expected);
    expect(JSON.stringify(summary)).not.toMatch(/HYSLOf41yZep|secrets|redis|memory|\d/);
  });
});
