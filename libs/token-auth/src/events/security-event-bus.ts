import { Logger, type LoggerService } from '@nestjs/common';
import type { Observable, Subscriber } from 'rxjs';
import { FailureLog } from './failure-log.js';
import type { SecurityEvent, SecurityEventSink } from './security-event.js';
import { IsolatingObservable } from './security-event-stream.js';

/** Events held between two deliveries at most; past it they are dropped and counted. */
export const DEFAULT_EVENT_BUFFER = 1000;

/** Somewhere besides the stream that takes every event (the `@nestjs/event-emitter` bridge). */
export interface EventOutlet {
  /** Names it in the log when it throws. */
  readonly name: string;
  deliver(event: SecurityEvent): void;
}

export interface SecurityEventBusOptions {
  logger?: LoggerService;
  /** Events held between two deliveries at most. Default 1000. */
  buffer?: number;
}

/**
 * Takes every security event of the module and delivers it to the stream's subscribers and the outlets, never on
 * the caller's path:
 * - with no subscriber and no outlet, `emit` returns at once (nothing is built, queued or scheduled);
 * - otherwise the event is frozen and queued, and delivered on the next turn of the event loop (`setImmediate`),
 *   after the request that caused it has been answered; nothing awaits a subscriber, so one that never returns
 *   (a promise that never settles) holds nothing up;
 * - each subscriber and each outlet is called on its own: one that throws is logged once per cause and counted,
 *   and the others still get the event;
 * - the queue is bounded (`buffer`): past it, events are dropped and counted (`dropped`), so a burst cannot grow
 *   memory without limit.
 */
export class SecurityEventBus implements SecurityEventSink {
  readonly failures: FailureLog;
  readonly stream: Observable<SecurityEvent>;
  /** Events delivered (to every subscriber and outlet there was). */
  delivered = 0;
  /** Events dropped because the buffer was full. */
  dropped = 0;

  private readonly subscribers = new Set<Subscriber<SecurityEvent>>();
  private readonly outlets: EventOutlet[] = [];
  private readonly capacity: number;
  private queue: SecurityEvent[] = [];
  private scheduled = false;

  constructor(options: SecurityEventBusOptions = {}) {
    this.failures = new FailureLog(options.logger ?? new Logger('TokenAuth'));
    this.capacity = options.buffer ?? DEFAULT_EVENT_BUFFER;
    this.stream = new IsolatingObservable<SecurityEvent>(
      (where, error) => this.failures.report(where, error),
      (subscriber) => {
        this.subscribers.add(subscriber);
        return () => this.subscribers.delete(subscriber);
      },
    );
  }

  /** Whether anything takes events: when not, emitting costs one check. */
  get listening(): boolean {
    return this.subscribers.size > 0 || this.outlets.length > 0;
  }

  addOutlet(outlet: EventOutlet): void {
    this.outlets.push(outlet);
  }

  emit(event: SecurityEvent): void {
    if (!this.listening) return;
    if (this.queue.length >= this.capacity) {
      this.dropped++;
      return;
    }
    this.queue.push(deepFreeze(event));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.deliver());
    }
  }

  private deliver(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const event of batch) {
      for (const subscriber of this.subscribers) {
        try {
          subscriber.next(event);
        } catch (error) {
          this.failures.report('security event subscriber', error);
        }
      }
      for (const outlet of this.outlets) {
        try {
          outlet.deliver(event);
        } catch (error) {
          this.failures.report(`security event outlet ${outlet.name}`, error);
        }
      }
      this.delivered++;
    }
  }
}

/** Shared by every subscriber: none may change what the others see. */
function deepFreeze<T extends object>(value: T): T {
  for (const field of Object.values(value)) {
    if (typeof field === 'object' && field !== null && !Object.isFrozen(field)) deepFreeze(field as object);
  }
  return Object.freeze(value);
}
