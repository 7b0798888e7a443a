import { describe, expect, it } from '@jest/globals';
import type { KeyRingHealth, RevocationStoreHealth } from 'nestjs-token-auth';
import { summarize } from './health-summary.js';

const ring: KeyRingHealth = {
  source: 'file /run/secrets/keys.json',
  keys: [{ id: 'HYSLOf41yZep', state: 'active' }],
  lastRefreshAt: '2026-12-01T00:00:00.000Z',
};
const memory: RevocationStoreHealth = { store: 'memory', tokens: 0, sessions: 0, users: 0 };
const redis: RevocationStoreHealth = { ...memory, store: 'redis', connected: true };

describe('summarize (the public /health)', () => {
  it.each<[string, KeyRingHealth, RevocationStoreHealth, object]>([
    [
      'a fresh ring and a local store',
      ring,
      memory,
      { status: 'up', keyRing: 'fresh', revocationStore: 'local', clock: 'in_step', instance: 'serving' },
    ],
    [
      'a connected shared store',
      ring,
      redis,
      { status: 'up', keyRing: 'fresh', revocationStore: 'connected', clock: 'in_step', instance: 'serving' },
    ],
    [
      'a failed refresh',
      { ...ring, lastError: { message: 'x', at: 'y' } },
      redis,
      {
        status: 'degraded',
        keyRing: 'refresh_failing',
        revocationStore: 'connected',
        clock: 'in_step',
        instance: 'serving',
      },
    ],
    [
      'an unreachable store',
      ring,
      { ...redis, connected: false },
      { status: 'degraded', keyRing: 'fresh', revocationStore: 'stale', clock: 'in_step', instance: 'serving' },
    ],
    [
      'a store behind',
      ring,
      { ...redis, staleSince: '2026-12-01T00:00:00.000Z' },
      { status: 'degraded', keyRing: 'fresh', revocationStore: 'stale', clock: 'in_step', instance: 'serving' },
    ],
    [
      'a stale ring',
      { ...ring, stale: true, lastError: { message: 'x', at: 'y' } },
      redis,
      { status: 'down', keyRing: 'stale', revocationStore: 'connected', clock: 'in_step', instance: 'serving' },
    ],
    [
      'a store refusing every token (fail-closed past maxStaleness)',
      ring,
      { ...redis, connected: false, refusing: true },
      { status: 'down', keyRing: 'fresh', revocationStore: 'refusing', clock: 'in_step', instance: 'serving' },
    ],
  ])('%s', (_, keyRing, store, expected) => {
    const summary = summarize(keyRing, store, false);
    expect(summary).toEqual(expected);
    expect(JSON.stringify(summary)).not.toMatch(/HYSLOf41yZep|secrets|redis|memory/);
  });

  it('is down while shutting down, whatever the ring and the store', () => {
    expect(summarize(ring, redis, true)).toEqual({
      status: 'down',
      keyRing: 'fresh',
      revocationStore: 'connected',
      clock: 'in_step',
      instance: 'shutting_down',
    });
  });
});
