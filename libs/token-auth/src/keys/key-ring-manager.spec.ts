import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { tokenAuthHealthSummary } from '../terminus/health-summary.js';
import { generateKey } from './generate-key.js';
import type { KeyProvider } from './key-provider.interface.js';
import { KeyRingManager } from './key-ring-manager.js';
import { deriveKeyId, type KeySpec } from './key-ring.js';
import { parseKeyRingText } from './key-ring-text.js';
import { createRing, rotateRing, serializeRing, type StoredKey } from './rotation/rotate-ring.js';

/** A provider whose next answer each test decides. */
class TestProvider implements KeyProvider {
  readonly description = 'test source';
  /** Most tests here swap whole rings, which a real source only does by design (AWS staged mode). */
  unscheduledKeyRemoval?: boolean = true;
  allowRawKeys?: boolean;
  readonly signals: AbortSignal[] = [];
  loads = 0;
  stopped = 0;
  onChange?: () => void;
  next: () => Promise<readonly KeySpec[]>;

  constructor(
    keys: readonly KeySpec[],
    readonly refreshInterval?: number,
  ) {
    this.next = async () => keys;
  }

  load(signal: AbortSignal): Promise<readonly KeySpec[]> {
    this.loads++;
    this.signals.push(signal);
    return this.next();
  }

  watch(onChange: () => void): () => void {
    this.onChange = onChange;
    return () => this.stopped++;
  }
}

function testLogger() {
  const error = jest.fn<(message: string) => void>();
  const warn = jest.fn<(message: string) => void>();
  return { logger: { error, warn, log: jest.fn() } as unknown as Logger, error, warn };
}

describe('KeyRingManager', () => {
  const first = generateKey();
  const second = generateKey();

  beforeEach(() => {
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  async function started(provider: TestProvider) {
    const { logger, error, warn } = testLogger();
    const manager = new KeyRingManager(provider, logger);
    await manager.start();
    return { manager, error, warn };
  }

  describe('the first load', () => {
    it('fails startup with a message that names the source and the cause', async () => {
      const provider = new TestProvider([]);
      provider.next = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:443'));
      const manager = new KeyRingManager(provider, testLogger().logger);
      await expect(manager.start()).rejects.toThrow(
        new TokenAuthConfigError(
          'cannot load the key ring from test source: Error: connect ECONNREFUSED 127.0.0.1:443',
        ),
      );
    });

    it('fails startup on an invalid ring, with the ring error and without key bytes', async () => {
      const short = { id: 'x', key: Buffer.alloc(16, 9), state: 'active' as const };
      const provider = new TestProvider([short]);
      provider.allowRawKeys = true;
      const manager = new KeyRingManager(provider, testLogger().logger);
      const error = await manager.start().then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error).toBeInstanceOf(TokenAuthConfigError);
      expect(error!.message).toMatch(/^cannot load the key ring from test source: key "x": 16 bytes is too short/);
    });
  });

  describe('refresh', () => {
    it('swaps in a new valid ring', async () => {
      const provider = new TestProvider([first]);
      const { manager } = await started(provider);
      provider.next = async () => [second];
      await manager.refresh();
      expect(manager.current.active.id).toBe(second.id);
      expect(manager.health()).toMatchObject({ source: 'test source', keys: [{ id: second.id, state: 'active' }] });
      expect(manager.health().lastError).toBeUndefined();
    });

    it('keeps the last good ring when the provider fails, and reports it without key bytes', async () => {
      const provider = new TestProvider([first]);
      const { manager, error } = await started(provider);
      provider.next = () => Promise.reject(new Error('throttled'));
      await manager.refresh();
      expect(manager.current.active.id).toBe(first.id);
      expect(manager.health().lastError).toMatchObject({ message: 'Error: throttled' });
      expect(error).toHaveBeenCalledWith(
        'key ring refresh from test source failed, keeping the last good ring: Error: throttled',
      );
    });

    it('keeps the last good ring when the provider returns an invalid ring', async () => {
      const provider = new TestProvider([first]);
      const { manager, error } = await started(provider);
      provider.next = async () => [first, { ...second, state: 'active' }];
      await manager.refresh();
      expect(manager.current.active.id).toBe(first.id);
      const logged = String(error.mock.calls[0]![0]);
      expect(logged).toContain('2 active keys');
      expect(logged).not.toContain(String(first.key));
      expect(logged).not.toContain(String(second.key));
    });

    it('runs one load at a time: concurrent refreshes join it', async () => {
      const provider = new TestProvider([first]);
      const { manager } = await started(provider);
      let resolve!: (keys: readonly KeySpec[]) => void;
      provider.next = () => new Promise((r) => (resolve = r));
      const a = manager.refresh();
      const b = manager.refresh();
      expect(a).toBe(b);
      expect(provider.loads).toBe(2);
      resolve([second]);
      await a;
      expect(manager.current.active.id).toBe(second.id);
      provider.next = async () => [first];
      await manager.refresh();
      expect(provider.loads).toBe(3);
      expect(manager.current.active.id).toBe(first.id);
    });

    it('gives up on a provider that hangs after 10 s, aborts it, and loads again later', async () => {
      const provider = new TestProvider([first]);
      const { manager, error } = await started(provider);
      provider.next = () => new Promise(() => undefined);
      const hung = manager.refresh();
      await jest.advanceTimersByTimeAsync(10_000);
      await hung;
      expect(provider.signals.at(-1)!.aborted).toBe(true);
      expect(String(error.mock.calls[0]![0])).toContain('did not finish within 10 s');
      provider.next = async () => [second];
      await manager.refresh();
      expect(manager.current.active.id).toBe(second.id);
    });

    it('reloads when the provider reports a change', async () => {
      const provider = new TestProvider([first]);
      const { manager } = await started(provider);
      provider.next = async () => [second];
      provider.onChange!();
      await jest.advanceTimersByTimeAsync(0);
      expect(manager.current.active.id).toBe(second.id);
    });
  });

  describe('raw keys', () => {
    const bytes = randomBytes(32);
    const raw: KeySpec = { id: deriveKeyId(bytes), key: bytes.toString('base64url'), state: 'verify-only' };

    it('stops startup on a raw key without allowRawKeys, saying how to convert it', async () => {
      const manager = new KeyRingManager(new TestProvider([first, raw]), testLogger().logger);
      await expect(manager.start()).rejects.toThrow(
        new RegExp(`^cannot load the key ring from test source: key "${raw.id}": the key is raw text`),
      );
    });

    it('with allowRawKeys, loads it and warns once naming the key, never its bytes', async () => {
      const provider = new TestProvider([first, raw]);
      provider.allowRawKeys = true;
      const { manager, warn } = await started(provider);
      expect(manager.current.get(raw.id)?.raw).toBe(true);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toMatch(
        new RegExp(
          `^key ring from test source: key "${raw.id}" is raw bytes, not key texts?, accepted because allowRawKeys`,
        ),
      );
      expect(warn.mock.calls[0]![0]).toContain('npx nestjs-token-auth wrap');
      expect(warn.mock.calls[0]![0]).not.toContain(raw.key as string);
      await manager.refresh();
      expect(warn).toHaveBeenCalledTimes(1);
    });
  });

  describe('a reload that loses a key still in use', () => {
    const T0 = new Date(Date.UTC(2026, 0, 1));

    /** A provider reading ring text, as the env, file and secret providers do, keeping its default rules. */
    function textProvider(text: string): TestProvider & { text: string } {
      const provider = Object.assign(new TestProvider([]), { text });
      provider.unscheduledKeyRemoval = undefined;
      provider.allowRawKeys = true;
      provider.next = async () => parseKeyRingText(provider.text, 'test source');
      return provider;
    }

    it('keeps the last good ring when K2,K3,K1 arrives without K1, logs it and reports it in health', async () => {
      // Rings written before key texts hold raw keys and no count: only this check can see K1 go on a reload.
      const entries = [0, 1, 2]
        .map(() => randomBytes(32))
        .map((bytes) => ({
          id: deriveKeyId(bytes),
          entry: `${deriveKeyId(bytes)}:${bytes.toString('base64url')}`,
        }));
      const ids = entries.map(({ id }) => id);
      const whole = entries.map(({ entry }) => entry).join(',');
      const provider = textProvider(whole);
      const { manager, error } = await started(provider);
      expect(manager.current.keys.map((key) => key.id)).toEqual(ids);

      provider.text = whole.slice(0, whole.lastIndexOf(','));
      await manager.refresh();
      expect(manager.current.keys.map((key) => key.id)).toEqual(ids);
      expect(error).toHaveBeenCalledTimes(1);
      expect(error.mock.calls[0]![0]).toMatch(
        new RegExp(
          '^key ring refresh from test source failed, keeping the last good ring: TokenAuthConfigError: the ring ' +
            `from test source lacks key "${ids[2]}" \\(verify-only, with no retireAfter\\), which may still sign ` +
            'or verify tokens, and no rotation retired it',
        ),
      );
      const health = manager.health();
      expect(health.lastError?.message).toContain(`lacks key "${ids[2]}"`);
      expect(tokenAuthHealthSummary(health)).toMatchObject({ status: 'degraded', keyRing: 'refresh_failing' });

      provider.text = whole;
      await manager.refresh();
      expect(manager.health().lastError).toBeUndefined();
    });

    it('refuses a ring that lost its active, next or retiring key before its retireAfter', async () => {
      const document = rotateRing(createRing(T0), { now: T0, gracePeriod: 86_400, refreshInterval: 0 }).ring;
      const [active, next, retiring] = document.keys;
      const provider = textProvider(serializeRing(document));
      const { manager, error } = await started(provider);
      const variants: [StoredKey, StoredKey[], string][] = [
        [active!, [{ ...next!, state: 'active' }, retiring!], 'the active key'],
        [next!, [active!, retiring!], 'verify-only, with no retireAfter'],
        [retiring!, [active!, next!], `retiring, verifying until ${retiring!.retireAfter}`],
      ];
      for (const [lost, kept, role] of variants) {
        provider.text = serializeRing({ keys: kept });
        await manager.refresh();
        expect(manager.current.keys).toHaveLength(3);
        expect(String(error.mock.calls.at(-1)![0])).toContain(`lacks key "${lost.id}" (${role})`);
      }
    });

    it('accepts the rotation steps: a retired key dropped after its retireAfter, and an emergency', async () => {
      const gracePeriod = 86_400;
      const step = (ring: ReturnType<typeof createRing>, emergency = false) =>
        rotateRing(ring, { now: new Date(Date.now()), gracePeriod, refreshInterval: 300, emergency });
      let ring = createRing(new Date(Date.now()));
      const provider = textProvider(serializeRing(ring));
      const { manager, error } = await started(provider);
      const reload = async (next: typeof ring) => {
        provider.text = serializeRing(next);
        await manager.refresh();
        expect(manager.health().lastError).toBeUndefined();
        expect(manager.current.keys.map((key) => key.id)).toEqual(next.keys.map((key) => key.id));
      };
      await jest.advanceTimersByTimeAsync(300_000);
      const first = step(ring);
      await reload((ring = first.ring));
      await jest.advanceTimersByTimeAsync(gracePeriod * 1000);
      const second = step(ring);
      expect(second.dropped).toEqual([first.retiring]);
      await reload((ring = second.ring));
      // An emergency retires the compromised key at once, keeping it one step; the next step drops it.
      const emergency = step(ring, true);
      expect(emergency.ring.keys.map((key) => key.id)).toContain(emergency.revoked);
      await reload((ring = emergency.ring));
      await jest.advanceTimersByTimeAsync(300_000);
      const after = step(ring);
      expect(after.dropped).toContain(emergency.revoked);
      await reload(after.ring);
      expect(error).not.toHaveBeenCalled();
    });

    it('takes a ring that moved on through rotations it missed: two emergencies within one refresh interval', async () => {
      const now = () => new Date(Date.now());
      const held = createRing(now());
      const provider = textProvider(serializeRing(held));
      const { manager, error, warn } = await started(provider);
      const first = rotateRing(held, { now: now(), refreshInterval: 300, emergency: true });
      const second = rotateRing(first.ring, { now: now(), refreshInterval: 300, emergency: true });
      // The ring this instance holds signs with the key the first emergency retired and the second dropped.
      expect(second.dropped).toEqual([held.keys[0]!.id]);
      provider.text = serializeRing(second.ring);
      await manager.refresh();
      expect(manager.current.active.id).toBe(second.active);
      expect(manager.current.get(held.keys[0]!.id)).toBeUndefined();
      expect(error).not.toHaveBeenCalled();
      expect(String(warn.mock.calls.at(-1)![0])).toContain(`"${held.keys[0]!.id}" left the ring before a rotation`);
    });

    it('refuses a ring that shares no key with the one in use (a wrong source)', async () => {
      const provider = textProvider(serializeRing(createRing(T0)));
      const { manager, error } = await started(provider);
      const before = manager.current.keys.map((key) => key.id);
      provider.text = serializeRing(createRing(T0));
      await manager.refresh();
      expect(manager.current.keys.map((key) => key.id)).toEqual(before);
      expect(String(error.mock.calls.at(-1)![0])).toContain('which may still sign or verify tokens');
    });

    it("lets a key go up to 5 minutes before its retireAfter by this clock (the rotator's may be ahead)", async () => {
      const retiring = { ...generateKey('verify-only'), retireAfter: new Date(Date.now() + 300_000).toISOString() };
      const provider = new TestProvider([first, retiring]);
      provider.unscheduledKeyRemoval = undefined;
      const { manager } = await started(provider);
      provider.next = async () => [first];
      await manager.refresh();
      expect(manager.current.get(retiring.id)).toBeUndefined();
    });

    it('lets a provider with unscheduledKeyRemoval drop any key (AWS staged mode)', async () => {
      const provider = new TestProvider([first]);
      const { manager } = await started(provider);
      provider.next = async () => [second];
      await manager.refresh();
      expect(manager.current.active.id).toBe(second.id);
      provider.unscheduledKeyRemoval = undefined;
      provider.next = async () => [first];
      await manager.refresh();
      expect(manager.current.active.id).toBe(second.id);
    });
  });

  describe('requestRefresh (a token named an unknown key)', () => {
    it('reloads at most once per 30 s, however often it is asked', async () => {
      const provider = new TestProvider([first]);
      const { manager } = await started(provider);
      for (let i = 0; i < 100; i++) manager.requestRefresh();
      await jest.advanceTimersByTimeAsync(0);
      expect(provider.loads).toBe(2);
      await jest.advanceTimersByTimeAsync(29_999);
      manager.requestRefresh();
      await jest.advanceTimersByTimeAsync(0);
      expect(provider.loads).toBe(2);
      await jest.advanceTimersByTimeAsync(1);
      manager.requestRefresh();
      manager.requestRefresh();
      await jest.advanceTimersByTimeAsync(0);
      expect(provider.loads).toBe(3);
    });
  });

  describe('requestRefresh with a refresh interval', () => {
    it('reloads at once, then at most once per refresh interval, however often it is asked', async () => {
      // The schedule's delays at their longest: T after each load.
      jest.spyOn(Math, 'random').mockReturnValue(0.999);
      const provider = new TestProvider([first], 300);
      const { manager } = await started(provider);
      manager.requestRefresh();
      await jest.advanceTimersByTimeAsync(0);
      expect(provider.loads).toBe(2);
      // Twenty minutes of tokens naming unknown keys, one a second.
      for (let second = 0; second < 1200; second++) {
        manager.requestRefresh();
        await jest.advanceTimersByTimeAsync(1000);
      }
      // At most one load per interval for the unknown keys, besides the schedule's one (at 30 s, it was 40).
      expect(provider.loads - 2).toBeLessThanOrEqual(2 * (1200 / 300));
      manager.onModuleDestroy();
    });
  });

  describe('schedule', () => {
    it('reloads every T/2 to T seconds after a success', async () => {
      const provider = new TestProvider([first], 60);
      const { manager } = await started(provider);
      for (let i = 0; i < 25; i++) {
        const before = Date.now();
        const loads = provider.loads;
        await jest.advanceTimersToNextTimerAsync();
        expect(Date.now() - before).toBeGreaterThanOrEqual(30_000);
        expect(Date.now() - before).toBeLessThanOrEqual(60_000);
        expect(provider.loads).toBe(loads + 1);
      }
      manager.onModuleDestroy();
    });

    it('backs off exponentially with full jitter after failures, up to T', async () => {
      jest.spyOn(Math, 'random').mockReturnValue(0.999);
      const provider = new TestProvider([first], 60);
      const { manager } = await started(provider);
      provider.next = () => Promise.reject(new Error('down'));
      const delays: number[] = [];
      for (let i = 0; i < 8; i++) {
        const before = Date.now();
        await jest.advanceTimersToNextTimerAsync();
        delays.push(Date.now() - before);
      }
      // The first delay is the success schedule (0.5 + 0.999 / 2) * T; then 0.999 * min(T, 2^n s).
      expect(delays).toEqual([59_970, 1998, 3996, 7992, 15_984, 31_968, 59_940, 59_940]);
      provider.next = async () => [second];
      await jest.advanceTimersToNextTimerAsync();
      expect(manager.current.active.id).toBe(second.id);
      const before = Date.now();
      await jest.advanceTimersToNextTimerAsync();
      expect(Date.now() - before).toBe(59_970);
      manager.onModuleDestroy();
    });

    it('sets no timer for a provider without refreshInterval', async () => {
      await started(new TestProvider([first]));
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  describe('onModuleDestroy', () => {
    it('clears the refresh timer and stops watching', async () => {
      const provider = new TestProvider([first], 60);
      const { manager } = await started(provider);
      expect(jest.getTimerCount()).toBe(1);
      manager.onModuleDestroy();
      expect(jest.getTimerCount()).toBe(0);
      expect(provider.stopped).toBe(1);
      await jest.advanceTimersByTimeAsync(120_000);
      expect(provider.loads).toBe(1);
    });

    it('drops a load that finishes after shutdown and schedules nothing more', async () => {
      const provider = new TestProvider([first], 60);
      const { manager } = await started(provider);
      let resolve!: (keys: readonly KeySpec[]) => void;
      provider.next = () => new Promise((r) => (resolve = r));
      const pending = manager.refresh();
      manager.onModuleDestroy();
      resolve([second]);
      await pending;
      expect(manager.current.active.id).toBe(first.id);
      expect(jest.getTimerCount()).toBe(0);
      manager.requestRefresh();
      expect(provider.loads).toBe(2);
    });
  });
});
