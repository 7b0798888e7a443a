import { ExpiryHeap } from './expiry-heap.js';

interface Slot<V> {
  value: V;
  expiresAt: number;
  /** The earliest expiry this key has in the heap. */
  scheduledAt: number;
}

/**
 * A map whose entries carry an expiry (ms since the epoch, inclusive: an entry is live up to and including that
 * millisecond, as a token is). `sweep` drops the expired ones in O(k log n) through a
 * min-heap of expiry times, so memory follows the live entries. A key whose expiry moves later keeps its one heap
 * item, rescheduled when it comes due, so a record updated on every refresh costs one item, not one per update. Lookups do not check expiry: callers sweep often
 * enough, and what an entry covers has expired by then anyway.
 */
export class ExpiringMap<V> {
  private readonly slots = new Map<string, Slot<V>>();
  private readonly heap = new ExpiryHeap<{ at: number; key: string }>();

  get size(): number {
    return this.slots.size;
  }

  /** Entries plus scheduled expiries: what the map holds in memory. */
  get footprint(): number {
    return this.slots.size + this.heap.size;
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  get(key: string): V | undefined {
    return this.slots.get(key)?.value;
  }

  expiresAt(key: string): number | undefined {
    return this.slots.get(key)?.expiresAt;
  }

  set(key: string, value: V, expiresAt: number): void {
    const previous = this.slots.get(key);
    if (previous !== undefined && previous.scheduledAt <= expiresAt) {
      previous.value = value;
      previous.expiresAt = expiresAt;
      return;
    }
    this.slots.set(key, { value, expiresAt, scheduledAt: expiresAt });
    this.heap.push({ at: expiresAt, key });
  }

  /** Drops a key now; its heap item is skipped when it comes due. */
  delete(key: string): boolean {
    return this.slots.delete(key);
  }

  *entries(): IterableIterator<[key: string, value: V, expiresAt: number]> {
    for (const [key, slot] of this.slots) yield [key, slot.value, slot.expiresAt];
  }

  sweep(now: number): void {
    for (let due = this.heap.popDue(now - 1); due !== undefined; due = this.heap.popDue(now - 1)) {
      const slot = this.slots.get(due.key);
      if (slot === undefined || slot.scheduledAt !== due.at) continue; // superseded by an earlier item
      if (slot.expiresAt < now) {
        this.slots.delete(due.key);
      } else {
        slot.scheduledAt = slot.expiresAt;
        this.heap.push({ at: slot.expiresAt, key: due.key });
      }
    }
  }

  clear(): void {
    this.slots.clear();
    this.heap.clear();
  }
}
