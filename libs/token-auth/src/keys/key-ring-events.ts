import type { KeyRetiredEvent, KeyRingRefreshedEvent, KeyRotatedEvent } from '../events/security-event.js';
import type { KeyRing } from './key-ring.js';

/**
 * The events of a reload that replaced `previous` with `next`: the ring refreshed (with its key ids, never keys),
 * the active key changed (a rotation), keys that left the ring (retired: tokens they signed are now refused).
 */
export function ringChangeEvents(
  previous: KeyRing,
  next: KeyRing,
  source: string,
  time: number,
): (KeyRingRefreshedEvent | KeyRotatedEvent | KeyRetiredEvent)[] {
  const nextIds = new Set(next.keys.map((key) => key.id));
  return [
    { type: 'key_ring.refreshed', time, source, keyIds: [...nextIds] },
    ...(next.active.id === previous.active.id
      ? []
      : [{ type: 'key.rotated', time, keyId: next.active.id, previousKeyId: previous.active.id } as const]),
    ...previous.keys
      .filter((key) => !nextIds.has(key.id))
      .map((key) => ({ type: 'key.retired', time, keyId: key.id }) as const),
  ];
}
