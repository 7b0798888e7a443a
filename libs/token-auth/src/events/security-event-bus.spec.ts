import { describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { filter, firstValueFrom, map, take } from 'rxjs';
import type { SecurityEvent } from './security-event.js';
import { SecurityEventBus } from './security-event-bus.js';

class Lines implements LoggerService {
  readonly lines: string[] = [];
  log(message: string) {
    this.lines.push(message);
  }
  warn(message: string) {
    this.lines.push(message);
  }
  error(message: string) {
    this.lines.push(message);
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const refreshed = (n: number): SecurityEvent => ({ type: 'session.refreshed', time: n, subject: 'u', sessionId: 's' });

describe('SecurityEventBus', () => {
  it('with no subscriber, emit queues and schedules nothing', () => {
    const bus = new SecurityEventBus();
    const event = refreshed(1);
    bus.emit(event);
    expect(bus.listening).toBe(false);
    // Not even frozen: the event was not looked at.
    expect(Object.isFrozen(event)).toBe(false);
  });

  it('delivers after the current turn, not during emit, and freezes the event for every subscriber', async () => {
    const bus = new SecurityEventBus();
    const seen: SecurityEvent[] = [];
    bus.stream.subscribe((event) => seen.push(event));
    bus.emit({ type: 'key_ring.refreshed', time: 1, source: 's', keyIds: ['a'] });
    expect(seen).toEqual([]);
    await nextTurn();
    expect(seen).toHaveLength(1);
    expect(Object.isFrozen(seen[0])).toBe(true);
    expect(Object.isFrozen((seen[0] as { keyIds: string[] }).keyIds)).toBe(true);
  });

  it('a subscriber that throws is logged once per cause, keeps its subscription, and the others still get every event', async () => {
    const logger = new Lines();
    const bus = new SecurityEventBus({ logger });
    const good: number[] = [];
    let calls = 0;
    bus.stream.subscribe(() => {
      calls++;
      throw new Error('subscriber bug');
    });
    bus.stream.subscribe((event) => good.push(event.time));
    for (let i = 0; i < 5; i++) bus.emit(refreshed(i));
    await nextTurn();
    bus.emit(refreshed(5));
    await nextTurn();
    expect(good).toEqual([0, 1, 2, 3, 4, 5]);
    expect(calls).toBe(6);
    expect(logger.lines.filter((line) => line.includes('subscriber bug'))).toHaveLength(1);
    expect(bus.failures.failures).toBe(6);
  });

  it('an error thrown by an operator of a pipe with no error callback is reported, not rethrown by RxJS', async () => {
    const logger = new Lines();
    const bus = new SecurityEventBus({ logger });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      bus.stream
        .pipe(
          map(() => {
            throw new Error('operator bug');
          }),
        )
        .subscribe(() => undefined);
      const filtered: string[] = [];
      bus.stream.pipe(filter((e) => e.type === 'session.refreshed')).subscribe((e) => filtered.push(e.type));
      bus.emit(refreshed(1));
      bus.emit({ type: 'store.stale', time: 2, reason: 'x' });
      await nextTurn();
      // RxJS reports unhandled errors on a timer.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(uncaught).toEqual([]);
      expect(filtered).toEqual(['session.refreshed']);
      expect(logger.lines.some((line) => line.includes('operator bug'))).toBe(true);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it("RxJS's three-callback form keeps its complete callback, and its next is isolated", async () => {
    const logger = new Lines();
    const bus = new SecurityEventBus({ logger });
    const seen: number[] = [];
    let completed = false;
    const once = bus.stream.pipe(take(1));
    const subscribe = once.subscribe.bind(once) as (
      next: (event: SecurityEvent) => void,
      error: null,
      complete: () => void,
    ) => unknown;
    subscribe(
      (event) => {
        seen.push(event.time);
        throw new Error('next bug');
      },
      null,
      () => (completed = true),
    );
    bus.emit(refreshed(1));
    bus.emit(refreshed(2));
    await nextTurn();
    expect(seen).toEqual([1]);
    expect(completed).toBe(true);
    expect(logger.lines.filter((line) => line.includes('next bug'))).toHaveLength(1);
  });

  it('a subscriber that never returns (a promise that never settles) holds up neither emit nor the others', async () => {
    const bus = new SecurityEventBus();
    bus.stream.subscribe(() => new Promise(() => undefined));
    const next = firstValueFrom(bus.stream);
    bus.emit(refreshed(7));
    await expect(next).resolves.toMatchObject({ time: 7 });
  });

  it('bounds what waits for delivery: past the buffer, events are dropped and counted', async () => {
    const bus = new SecurityEventBus({ buffer: 3 });
    const seen: number[] = [];
    bus.stream.subscribe((event) => seen.push(event.time));
    for (let i = 0; i < 10; i++) bus.emit(refreshed(i));
    await nextTurn();
    expect(seen).toEqual([0, 1, 2]);
    expect(bus.dropped).toBe(7);
    expect(bus.delivered).toBe(3);
  });

  it('an unsubscribed subscriber gets nothing more; an outlet that throws is isolated like a subscriber', async () => {
    const logger = new Lines();
    const bus = new SecurityEventBus({ logger });
    const seen: number[] = [];
    const subscription = bus.stream.subscribe((event) => seen.push(event.time));
    const outlet: number[] = [];
    bus.addOutlet({
      name: 'test',
      deliver: (event) => {
        outlet.push(event.time);
        throw new Error('outlet bug');
      },
    });
    bus.emit(refreshed(1));
    await nextTurn();
    subscription.unsubscribe();
    bus.emit(refreshed(2));
    await nextTurn();
    expect(seen).toEqual([1]);
    expect(outlet).toEqual([1, 2]);
    expect(logger.lines.filter((line) => line.includes('outlet bug'))).toHaveLength(1);
  });
});
