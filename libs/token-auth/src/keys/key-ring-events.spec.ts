import { describe, expect, it } from '@jest/globals';
import { generateKey } from './generate-key.js';
import { KeyRing } from './key-ring.js';
import { ringChangeEvents } from './key-ring-events.js';

describe('ringChangeEvents', () => {
  const [a, b, c] = [generateKey(), generateKey(), generateKey()];
  const ring = (...keys: ReturnType<typeof generateKey>[]) =>
    KeyRing.from(keys.map((key, i) => ({ ...key, state: i === 0 ? 'active' : 'verify-only' })));

  it('a reload with the same keys is only a refresh', () => {
    expect(ringChangeEvents(ring(a, b), ring(a, b), 'env', 5)).toEqual([
      { type: 'key_ring.refreshed', time: 5, source: 'env', keyIds: [a.id, b.id] },
    ]);
  });

  it('a new active key is a rotation; a key that left the ring is retired; no key material in any event', () => {
    const events = ringChangeEvents(ring(a, b), ring(c, a), 'file /run/keys', 9);
    expect(events).toEqual([
      { type: 'key_ring.refreshed', time: 9, source: 'file /run/keys', keyIds: [c.id, a.id] },
      { type: 'key.rotated', time: 9, keyId: c.id, previousKeyId: a.id },
      { type: 'key.retired', time: 9, keyId: b.id },
    ]);
    const text = JSON.stringify(events);
    for (const key of [a, b, c]) expect(text).not.toContain(String(key.key));
  });
});
