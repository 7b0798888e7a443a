import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { SecurityEvent } from './security-event.js';
import { SecurityEventBus } from './security-event-bus.js';
import { TokenAuthCounters, type TokenAuthCountersSnapshot } from './token-auth-counters.js';

/** What the event delivery itself counted. */
export interface SecurityEventDeliveryStats {
  delivered: number;
  /** Dropped because the buffer between two deliveries was full. */
  dropped: number;
  /** Subscribers' and outlets' failures (each cause is logged once). */
  subscriberFailures: number;
}

/**
 * The security events an app subscribes to, and the counters. Inject it anywhere the module is visible:
 *
 * ```ts
 * constructor(events: SecurityEvents) {
 *   events.stream.pipe(filter((e) => e.type === 'session.reuse_detected')).subscribe((e) => alert(e));
 * }
 * ```
 *
 * Events are delivered after the request that caused them, each subscriber on its own (one that throws is logged
 * once per cause and keeps its subscription); refused tokens are counted (`counters()`), not streamed.
 */
@Injectable()
export class SecurityEvents {
  constructor(
    private readonly bus: SecurityEventBus,
    private readonly counts: TokenAuthCounters,
  ) {}

  /** Every security event, as it happens. Hot: subscribe before the events you want. */
  get stream(): Observable<SecurityEvent> {
    return this.bus.stream;
  }

  /** Verifications by outcome, cache hits, refreshes by outcome, revocations by kind: a copy, exact. */
  counters(): TokenAuthCountersSnapshot {
    return this.counts.snapshot();
  }

  delivery(): SecurityEventDeliveryStats {
    return {
      delivered: this.bus.delivered,
      dropped: this.bus.dropped,
      subscriberFailures: this.bus.failures.failures,
    };
  }
}
