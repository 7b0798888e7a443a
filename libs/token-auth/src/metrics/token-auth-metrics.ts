import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type {
  BatchObservableCallback,
  BatchObservableResult,
  Histogram,
  Meter,
  Observable as ObservableInstrument,
} from '@opentelemetry/api';
import { FailureLog } from '../events/failure-log.js';
import type { RevocationKind } from '../events/security-event.js';
import { SecurityEventBus } from '../events/security-event-bus.js';
import { TokenAuthCounters } from '../events/token-auth-counters.js';
import { KeyRingManager } from '../keys/key-ring-manager.js';
import type { MeterProviderLike } from '../options/metrics-options.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import { REVOCATION_STORE, type RevocationStore } from '../revocation/revocation-store.interface.js';
import { ATTRIBUTE, DURATION_BUCKETS, METRIC } from './metric-names.js';

const METER_NAME = 'nestjs-token-auth';
const KINDS: readonly RevocationKind[] = ['token', 'session', 'user'];
const HEALTH_COUNT = { token: 'tokens', session: 'sessions', user: 'users' } as const;

/** The global provider of `@opentelemetry/api`, if the app has the package; looked up at run time (optional peer). */
async function globalMeterProvider(): Promise<MeterProviderLike | undefined> {
  try {
    // A variable, so that bundlers and the compiler leave the optional package alone.
    const name = '@opentelemetry/api';
    const api = (await import(name)) as { metrics?: { getMeterProvider(): MeterProviderLike } };
    return api.metrics?.getMeterProvider();
  } catch {
    return undefined;
  }
}

/**
 * The module's OpenTelemetry metrics, when the app has a meter provider (the `metrics.meterProvider` option, or the
 * global one of `@opentelemetry/api`). Counts are observable instruments reading `TokenAuthCounters` at collection
 * time, so a request only increments a number in memory; gauges read the key ring's and the store's health; the
 * two latencies are histograms, recorded off the request path of a guarded route (refresh and revocation only).
 * Whatever the provider throws (making the meter, an instrument, an observation, a recording) is logged once per
 * cause and never reaches a request; the counters stay exact, and the next collection reports them whole.
 */
@Injectable()
export class TokenAuthMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly failures = new FailureLog(new Logger('TokenAuth'));
  private meter?: Meter;
  private callback?: BatchObservableCallback;
  private observables: ObservableInstrument[] = [];

  constructor(
    @Inject(TOKEN_AUTH_OPTIONS) private readonly options: ResolvedTokenAuthOptions,
    private readonly counters: TokenAuthCounters,
    private readonly bus: SecurityEventBus,
    private readonly keys: KeyRingManager,
    @Inject(REVOCATION_STORE) private readonly store: RevocationStore,
  ) {}

  async onModuleInit(): Promise<void> {
    const metrics = this.options.metrics;
    if (metrics === false) return;
    const provider = metrics.meterProvider ?? (await globalMeterProvider());
    if (provider === undefined) return;
    try {
      this.start(provider.getMeter(METER_NAME) as Meter);
    } catch (error) {
      this.failures.report('metrics: the meter provider', error);
    }
  }

  onModuleDestroy(): void {
    this.counters.durations = undefined;
    if (this.meter === undefined || this.callback === undefined) return;
    try {
      this.meter.removeBatchObservableCallback(this.callback, this.observables);
    } catch (error) {
      this.failures.report('metrics: the meter provider', error);
    }
  }

  private start(meter: Meter): void {
    const verifications = meter.createObservableCounter(METRIC.verifications, {
      description: 'Access-token verifications by outcome: ok, or the refusal code',
      unit: '{verification}',
    });
    const cacheHits = meter.createObservableCounter(METRIC.cacheHits, {
      description: 'Verifications answered from the verified-token cache',
      unit: '{hit}',
    });
    const queued = meter.createObservableGauge(METRIC.revocationsQueued, {
      description: 'Revocations the shared store has not confirmed yet, queued for it',
      unit: '{revocation}',
    });
    const replicaSize = meter.createObservableGauge(METRIC.replicaSize, {
      description: "Revocations held in this instance's replica, by kind",
      unit: '{revocation}',
    });
    const staleness = meter.createObservableGauge(METRIC.storeStaleness, {
      description: 'How long the shared revocation store has been unreachable; 0 while it answers',
      unit: 's',
    });
    const keyRingAge = meter.createObservableGauge(METRIC.keyRingAge, {
      description: 'Time since the key ring was last loaded successfully',
      unit: 's',
    });
    const dropped = meter.createObservableCounter(METRIC.eventsDropped, {
      description: 'Security events dropped because the delivery buffer was full',
      unit: '{event}',
    });
    const subscriberFailures = meter.createObservableCounter(METRIC.subscriberFailures, {
      description: 'Failures of security event subscribers and outlets',
      unit: '{failure}',
    });
    const histogram = (name: string, description: string): Histogram =>
      meter.createHistogram(name, {
        description,
        unit: 's',
        advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
      });
    const refreshDuration = histogram(METRIC.refreshDuration, 'Refresh latency, by outcome');
    const revocationDuration = histogram(METRIC.revocationDuration, 'Revocation latency, by kind and persisted');

    const callback = (result: BatchObservableResult): void => {
      try {
        const counters = this.counters;
        result.observe(verifications, counters.verified, { [ATTRIBUTE.outcome]: 'ok' });
        for (const [code, count] of counters.refusals) {
          result.observe(verifications, count, { [ATTRIBUTE.outcome]: code });
        }
        result.observe(cacheHits, counters.cacheHits);
        result.observe(dropped, this.bus.dropped);
        result.observe(subscriberFailures, this.bus.failures.failures);
        const now = Date.now();
        result.observe(keyRingAge, (now - Date.parse(this.keys.health().lastRefreshAt)) / 1000);
        const health = this.store.health();
        result.observe(queued, health.pendingWrites ?? 0);
        for (const kind of KINDS) {
          result.observe(replicaSize, health[HEALTH_COUNT[kind]], { [ATTRIBUTE.revocationKind]: kind });
        }
        const staleSince = health.staleSince === undefined ? now : Date.parse(health.staleSince);
        result.observe(staleness, Math.max(0, now - staleSince) / 1000);
      } catch (error) {
        this.failures.report('metrics: a collection', error);
      }
    };
    const observables = [
      verifications,
      cacheHits,
      queued,
      replicaSize,
      staleness,
      keyRingAge,
      dropped,
      subscriberFailures,
    ];
    meter.addBatchObservableCallback(callback, observables);
    this.meter = meter;
    this.callback = callback;
    this.observables = observables;
    this.counters.durations = {
      refresh: (seconds, outcome) => this.record(refreshDuration, seconds, { [ATTRIBUTE.outcome]: outcome }),
      revocation: (seconds, kind, persisted) =>
        this.record(revocationDuration, seconds, {
          [ATTRIBUTE.revocationKind]: kind,
          [ATTRIBUTE.persisted]: persisted,
        }),
    };
  }

  private record(histogram: Histogram, seconds: number, attributes: Record<string, string | boolean>): void {
    try {
      histogram.record(seconds, attributes);
    } catch (error) {
      this.failures.report('metrics: a histogram', error);
    }
  }
}
