import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import type { SecurityEvent } from '../events/security-event.js';
import { generateKey } from './generate-key.js';
import type { KeyProvider } from './key-provider.interface.js';
import { KeyRingManager } from './key-ring-manager.js';
import type { KeySpec } from './key-ring.js';

/** A provider whose next answer each test decides; keys leave it by design (as AWS staged mode's do). */
class TestProvider implements KeyProvider {
  readonly description = 'test source';
  readonly unscheduledKeyRemoval = true;
  readonly refreshInterval = 60;
  readonly maxStaleness = 120;
  next: () => Promise<readonly KeySpec[]>;

  constructor(keys: readonly KeySpec[]) {
    this.next = async () => keys;
  }

  load(): Promise<readonly KeySpec[]> {
    return this.next();
  }
}

const quiet = { error: jest.fn(), warn: jest.fn(), log: jest.fn() } as unknown as Logger;

describe('KeyRingManager as security events', () => {
  const [a, b] = [generateKey(), generateKey()];
  let manager: KeyRingManager | undefined;

  beforeEach(() => {
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  });
  afterEach(() => {
    manager?.onModuleDestroy();
    jest.useRealTimers();
  });

  it('a reload that rotates and retires keys, failing reloads, and the ring going stale, each once', async () => {
    const provider = new TestProvider([a]);
    manager = new KeyRingManager(provider, quiet);
    const events: SecurityEvent[] = [];
    manager.observe({ emit: (event) => events.push(event) });
    await manager.start();
    expect(events).toEqual([]);

    provider.next = async () => [b, { ...a, state: 'verify-only' }];
    await manager.refresh();
    provider.next = async () => [b];
    await manager.refresh();
    expect(events.map((e) => e.type)).toEqual([
      'key_ring.refreshed',
      'key.rotated',
      'key_ring.refreshed',
      'key.retired',
    ]);
    expect(events[1]).toMatchObject({ keyId: b.id, previousKeyId: a.id });
    expect(events[3]).toMatchObject({ keyId: a.id });

    events.length = 0;
    provider.next = async () => Promise.reject(new Error('source down'));
    await manager.refresh();
    jest.setSystemTime(Date.UTC(2026, 0, 1) + 121_000);
    await manager.refresh();
    await manager.refresh();
    expect(events.map((e) => e.type)).toEqual([
      'key_ring.refresh_failed',
      'key_ring.refresh_failed',
      'key_ring.stale',
      'key_ring.refresh_failed',
    ]);
    expect(events[0]).toMatchObject({ source: 'test source', reason: 'Error: source down', failures: 1 });
    expect(events[3]).toMatchObject({ failures: 3 });
    expect(JSON.stringify(events)).not.toContain(String(b.key));
  });
});
