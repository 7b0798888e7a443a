import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { SecurityEventBus } from '../events/security-event-bus.js';
import { TokenAuthCounters } from '../events/token-auth-counters.js';
import type { KeyRingManager } from '../keys/key-ring-manager.js';
import type { MeterProviderLike } from '../options/metrics-options.js';
import type { ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import type { RevocationStore, RevocationStoreHealth } from '../revocation/revocation-store.interface.js';
import { METRIC } from './metric-names.js';
import { TokenAuthMetrics } from './token-auth-metrics.js';

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const keys = { health: () => ({ lastRefreshAt: new Date(Date.now() - 5000).toISOString() }) } as KeyRingManager;

function storeWith(health: Partial<RevocationStoreHealth>): RevocationStore {
  return { health: () => ({ store: 'redis', tokens: 3, sessions: 2, users: 1, ...health }) } as RevocationStore;
}

function setUp(meterProvider: MeterProviderLike, store = storeWith({})) {
  const counters = new TokenAuthCounters();
  const bus = new SecurityEventBus();
  const options = { metrics: { meterProvider } } as unknown as ResolvedTokenAuthOptions;
  const metrics = new TokenAuthMetrics(options, counters, bus, keys, store);
  return { counters, bus, metrics };
}

async function collect(reader: MetricReader): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  return new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
}

function points(metric: MetricData | undefined): { attributes: object; value: unknown }[] {
  return (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }));
}

/** Error lines the library's Logger writes while `run` runs. */
async function errorLines(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = Logger.prototype.error;
  Logger.prototype.error = function (message: unknown) {
    lines.push(String(message));
  };
  try {
    await run();
  } finally {
    Logger.prototype.error = original;
  }
  return lines;
}

describe('TokenAuthMetrics', () => {
  it('reports the counters, the gauges and the histograms through the meter provider', async () => {
    const reader = new TestReader();
    const { counters, metrics } = setUp(
      new MeterProvider({ readers: [reader] }),
      storeWith({ pendingWrites: 4, staleSince: new Date(Date.now() - 10_000).toISOString() }),
    );
    await metrics.onModuleInit();
    counters.verified = 5;
    counters.cacheHits = 4;
    for (let i = 0; i < 3; i++) counters.refused(new TokenAuthError('invalid_signature', 'x'));
    counters.refused(new TokenAuthError('token_expired', 'x'));
    counters.refresh('rotated', 0.002);
    counters.refresh('reused', 0.004);
    counters.revocation('session', false, 0.5);

    const byName = await collect(reader);
    expect(points(byName.get(METRIC.verifications))).toEqual(
      expect.arrayContaining([
        { attributes: { 'token_auth.outcome': 'ok' }, value: 5 },
        { attributes: { 'token_auth.outcome': 'invalid_signature' }, value: 3 },
        { attributes: { 'token_auth.outcome': 'token_expired' }, value: 1 },
      ]),
    );
    expect(points(byName.get(METRIC.cacheHits))).toEqual([{ attributes: {}, value: 4 }]);
    expect(points(byName.get(METRIC.revocationsQueued))).toEqual([{ attributes: {}, value: 4 }]);
    expect(points(byName.get(METRIC.replicaSize))).toEqual(
      expect.arrayContaining([
        { attributes: { 'token_auth.revocation.kind': 'token' }, value: 3 },
        { attributes: { 'token_auth.revocation.kind': 'session' }, value: 2 },
        { attributes: { 'token_auth.revocation.kind': 'user' }, value: 1 },
      ]),
    );
    expect(points(byName.get(METRIC.storeStaleness))[0]!.value).toBeGreaterThanOrEqual(10);
    expect(points(byName.get(METRIC.keyRingAge))[0]!.value).toBeGreaterThanOrEqual(5);
    const refresh = points(byName.get(METRIC.refreshDuration));
    expect(refresh).toEqual(
      expect.arrayContaining([
        { attributes: { 'token_auth.outcome': 'rotated' }, value: expect.objectContaining({ count: 1 }) },
        { attributes: { 'token_auth.outcome': 'reused' }, value: expect.objectContaining({ count: 1 }) },
      ]),
    );
    expect(points(byName.get(METRIC.revocationDuration))).toEqual([
      {
        attributes: { 'token_auth.revocation.kind': 'session', 'token_auth.revocation.persisted': false },
        value: expect.objectContaining({ count: 1, sum: 0.5 }),
      },
    ]);
    expect(byName.get(METRIC.refreshDuration)!.descriptor.unit).toBe('s');
  });

  it('with metrics: false, makes no meter', async () => {
    const counters = new TokenAuthCounters();
    const options = { metrics: false } as unknown as ResolvedTokenAuthOptions;
    await new TokenAuthMetrics(options, counters, new SecurityEventBus(), keys, storeWith({})).onModuleInit();
    expect(counters.durations).toBeUndefined();
  });

  it('a meter provider that throws is logged once and leaves the counters exact', async () => {
    const throwing = {
      getMeter: () => {
        throw new Error('provider down');
      },
    };
    const { counters, metrics } = setUp(throwing);
    const lines = await errorLines(() => metrics.onModuleInit());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('provider down');
    counters.refresh('rotated', 0.001);
    counters.verified++;
    expect(counters.snapshot()).toMatchObject({ verifications: { ok: 1 }, refreshes: { rotated: 1 } });
  });

  it('instruments whose observe and record throw: each cause logged once, the counters still exact', async () => {
    const observed: number[] = [];
    const instrument = () => ({ record: () => fail('record'), add: () => undefined });
    const fail = (what: string) => {
      throw new Error(`${what} broke`);
    };
    let callback: ((result: { observe: (i: unknown, value: number) => void }) => void) | undefined;
    const meter = {
      createObservableCounter: instrument,
      createObservableGauge: instrument,
      createHistogram: instrument,
      addBatchObservableCallback: (cb: typeof callback) => (callback = cb),
      removeBatchObservableCallback: () => undefined,
    };
    const { counters, metrics } = setUp({ getMeter: () => meter });
    const lines = await errorLines(async () => {
      await metrics.onModuleInit();
      for (let i = 0; i < 1000; i++) {
        counters.verified++;
        counters.refresh('rotated', 0.001);
        callback!({
          observe: (_i, value) => {
            observed.push(value);
            fail('observe');
          },
        });
      }
    });
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).toMatch(/record broke[\s\S]*observe broke|observe broke[\s\S]*record broke/);
    expect(counters.snapshot()).toMatchObject({ verifications: { ok: 1000 }, refreshes: { rotated: 1000 } });
    // Every collection read the counters as they were: the next one that works reports them whole.
    expect(observed.at(-1)).toBe(1000);
  });
});
