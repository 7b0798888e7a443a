import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { generateKey } from '../generate-key.js';
import { deriveKeyId, KeyRing } from '../key-ring.js';
import { formatCompactRing, parseKeyRingText } from '../key-ring-text.js';
import { formatKeyText } from '../key-text.js';
import { liveKeysMissing } from '../ring-continuity.js';
import {
  KeyRotationError,
  createRing,
  defaultGracePeriod,
  readRingDocument,
  rotateRing,
  serializeRing,
  type RingDocument,
} from './rotate-ring.js';

const T0 = new Date('2026-11-01T00:00:00Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const REFRESH = 300;
const GRACE = 86_400 + 30 + REFRESH;

function byState(ring: RingDocument): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of ring.keys) (out[key.retireAfter ? 'retiring' : key.state] ??= []).push(key.id);
  return out;
}

describe('rotateRing', () => {
  it('promotes next, retires the old active key for the grace period and publishes a new next', () => {
    const ring = createRing(T0);
    const [active, next] = ring.keys;
    const result = rotateRing(ring, { now: at(3600), gracePeriod: GRACE, refreshInterval: REFRESH });
    expect(result).toMatchObject({ active: next!.id, activated: next!.id, retiring: active!.id, dropped: [] });
    const retired = result.ring.keys.find((key) => key.id === active!.id)!;
    expect(retired).toMatchObject({
      state: 'verify-only',
      retireAfter: at(3600 + GRACE).toISOString(),
      signedUntil: at(3600 + REFRESH).toISOString(),
    });
    const published = result.ring.keys.find((key) => key.id === result.published)!;
    expect(published).toMatchObject({ state: 'verify-only', createdAt: at(3600).toISOString() });
    expect(published.retireAfter).toBeUndefined();
    expect(byState(result.ring)).toEqual({
      active: [next!.id],
      'verify-only': [result.published],
      retiring: [active!.id],
    });
    expect(() => KeyRing.from(result.ring.keys)).not.toThrow();
    expect(ring.keys).toEqual(createRingCopy(ring));
  });

  it('drops keys once their grace period has passed, not before', () => {
    let ring = createRing(T0);
    const first = ring.keys[0]!.id;
    ring = rotateRing(ring, { now: at(REFRESH), gracePeriod: GRACE, refreshInterval: REFRESH }).ring;
    const before = rotateRing(ring, { now: at(REFRESH + GRACE - 1), gracePeriod: GRACE, refreshInterval: REFRESH });
    expect(before.dropped).toEqual([]);
    expect(before.ring.keys.some((key) => key.id === first)).toBe(true);
    const after = rotateRing(ring, { now: at(REFRESH + GRACE), gracePeriod: GRACE, refreshInterval: REFRESH });
    expect(after.dropped).toEqual([first]);
    expect(after.ring.keys.some((key) => key.id === first)).toBe(false);
  });

  it('refuses to promote a next key published less than one refresh interval ago', () => {
    const ring = createRing(T0);
    expect(() => rotateRing(ring, { now: at(REFRESH - 1), gracePeriod: GRACE, refreshInterval: REFRESH })).toThrow(
      KeyRotationError,
    );
    expect(() => rotateRing(ring, { now: at(REFRESH - 1), gracePeriod: GRACE, refreshInterval: REFRESH })).toThrow(
      /published 299 s ago, less than one refresh interval \(300 s\)/,
    );
  });

  it('emergency: retires the compromised active key at once, promotes next whatever its age, drops it next step', () => {
    const ring = createRing(T0);
    const [active, next] = ring.keys;
    const result = rotateRing(ring, { now: at(1), gracePeriod: GRACE, refreshInterval: REFRESH, emergency: true });
    expect(result).toMatchObject({ active: next!.id, activated: next!.id, revoked: active!.id, dropped: [] });
    expect(result.retiring).toBeUndefined();
    // Kept one step, retired as of now: every instance refuses its tokens, and sees it retired rather than lost.
    expect(result.ring.keys.find((key) => key.id === active!.id)).toEqual({
      ...active,
      state: 'verify-only',
      retireAfter: at(1).toISOString(),
      signedUntil: at(1).toISOString(),
    });
    expect(KeyRing.from(result.ring.keys).keyFor(active!.id, 'access', at(0).getTime(), at(1).getTime(), 0)).toBe(
      undefined,
    );
    expect(byState(result.ring)).toEqual({
      active: [next!.id],
      'verify-only': [result.published],
      retiring: [active!.id],
    });
    const later = rotateRing(result.ring, { now: at(1 + REFRESH), gracePeriod: GRACE, refreshInterval: REFRESH });
    expect(later.dropped).toEqual([active!.id]);
  });

  it('emergency on a ring without a next key signs with a fresh key', () => {
    const ring = readRingDocument(serializeRing({ keys: [stored(generateKey('active'))] }), 'test', T0);
    const compromised = ring.keys[0]!.id;
    const result = rotateRing(ring, { now: at(1), gracePeriod: GRACE, emergency: true });
    expect(result.revoked).toBe(compromised);
    expect(result.active).not.toBe(compromised);
    expect(result.ring.keys).toHaveLength(3);
  });

  it('writes the ring as JSON with its count and key texts, which loads as it is', () => {
    const text = serializeRing(createRing(T0));
    const parsed = JSON.parse(text) as { count: number; keys: { key: string }[] };
    expect(Object.keys(parsed)).toEqual(['count', 'keys']);
    expect(parsed.count).toBe(2);
    expect(parsed.keys.every((key) => key.key.startsWith('nta-key-v1.'))).toBe(true);
    expect(KeyRing.from(parseKeyRingText(text, 'test')).keys).toHaveLength(2);
  });

  it('a migrated ring of raw keys is refused without allowRawKeys, and converted to key texts with it', () => {
    const [activeBytes, oldBytes] = [randomBytes(32), randomBytes(32)];
    const text = [activeBytes, oldBytes].map((bytes) => `${deriveKeyId(bytes)}:${bytes.toString('base64url')}`).join();
    expect(() => readRingDocument(text, 'env TOKEN_AUTH_KEYS', T0)).toThrow(
      new RegExp(`^env TOKEN_AUTH_KEYS: key "${deriveKeyId(activeBytes)}": the key is raw text`),
    );
    const ring = readRingDocument(text, 'env TOKEN_AUTH_KEYS', T0, { allowRawKeys: true });
    expect(ring.keys.map((key) => key.key)).toEqual([formatKeyText(activeBytes), formatKeyText(oldBytes)]);
    expect(ring.keys.map((key) => key.id)).toEqual([deriveKeyId(activeBytes), deriveKeyId(oldBytes)]);
    const weak = Buffer.from('Grüße aus München, Passwort 2024!', 'latin1');
    expect(() =>
      readRingDocument(`${deriveKeyId(weak)}:${weak.toString('base64url')}`, 'env', T0, { allowRawKeys: true }),
    ).toThrow(/text in a one-byte encoding/);
  });

  it('a migrated ring without a next key first only publishes one; its verify-only keys start their grace period', () => {
    const active = generateKey('active');
    const old = generateKey('verify-only');
    const ring = readRingDocument(formatCompactRing([active, old]), 'env TOKEN_AUTH_KEYS', T0);
    expect(ring.keys.every((key) => key.createdAt === T0.toISOString())).toBe(true);
    // The compact form's verify-only key counts as the next key: it is the only candidate.
    const first = rotateRing(ring, { now: at(REFRESH), gracePeriod: GRACE, refreshInterval: REFRESH });
    expect(first.activated).toBe(old.id);

    const single = readRingDocument(formatCompactRing([active]), 'env', T0);
    const published = rotateRing(single, { now: at(1), gracePeriod: GRACE, refreshInterval: REFRESH });
    expect(published.activated).toBeUndefined();
    expect(published.active).toBe(active.id);
    expect(byState(published.ring)).toEqual({ active: [active.id], 'verify-only': [published.published] });
  });

  it.each([
    [{ gracePeriod: -1 }, 'gracePeriod must be a number of seconds'],
    [{ gracePeriod: 10, refreshInterval: 20 }, 'shorter than refreshInterval'],
  ])('refuses %j', (options: { gracePeriod: number; refreshInterval?: number }, message) => {
    expect(() => rotateRing(createRing(T0), { now: at(REFRESH), ...options })).toThrow(message);
  });

  it('by default keeps the old key for the longest refresh-token lifetime plus tolerance plus one refresh interval', () => {
    const ring = rotateRing(createRing(T0), { now: at(REFRESH), refreshInterval: REFRESH });
    const retiring = ring.ring.keys.find((key) => key.id === ring.retiring)!;
    expect(defaultGracePeriod(REFRESH)).toBe(2_592_000 + 30 + REFRESH);
    expect(retiring.retireAfter).toBe(at(REFRESH + 2_592_330).toISOString());
  });

  it('refuses to rotate an invalid ring', () => {
    const ring = createRing(T0);
    ring.keys[1]!.state = 'active';
    expect(() => rotateRing(ring, { now: at(REFRESH), gracePeriod: GRACE })).toThrow(/2 active keys/);
  });

  /**
   * The safety argument, checked over random schedules: rotation steps at least one refresh interval apart, so at
   * any moment two instances hold rings at most one step apart. A token signed by any instance, verified by any
   * instance at any time before it expires, always finds its key, inside its retireAfter and signedUntil.
   */
  it('property: no instance meets a valid token signed with a key it does not know', () => {
    const maxTtl = 3600;
    const refresh = 60;
    const grace = maxTtl + refresh;
    // Where in a window a token is signed, and how far into its lifetime it is verified: the ends matter most.
    const fraction = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1));
    fc.assert(
      fc.property(
        // Gaps of at least one refresh interval, often near the grace period where a key is dropped.
        fc.array(
          fc.oneof(
            fc.integer({ min: refresh, max: 3 * maxTtl }),
            fc.integer({ min: maxTtl - refresh, max: grace + refresh }),
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.array(fc.tuple(fc.nat(), fc.boolean(), fraction, fraction), { minLength: 1, maxLength: 30 }),
        (gaps, tokens) => {
          const rings: { at: number; ring: RingDocument }[] = [{ at: 0, ring: createRing(at(0)) }];
          let t = 0;
          for (const gap of gaps) {
            t += gap;
            rings.push({
              at: t,
              ring: rotateRing(rings.at(-1)!.ring, { now: at(t), gracePeriod: grace, refreshInterval: refresh }).ring,
            });
          }
          const activeOf = (ring: RingDocument): string => ring.keys.find((key) => key.state === 'active')!.id;
          const built = new Map<RingDocument, KeyRing>();
          const ringOf = (ring: RingDocument): KeyRing =>
            built.get(ring) ?? built.set(ring, KeyRing.from(ring.keys)).get(ring)!;
          // Each step loses no key an instance may still need: the reload check of KeyRingManager lets it through.
          for (let i = 1; i < rings.length; i++) {
            const lost = liveKeysMissing(
              ringOf(rings[i - 1]!.ring),
              ringOf(rings[i]!.ring),
              at(rings[i]!.at).getTime(),
            );
            if (lost.length > 0) return false;
          }
          // An instance holds the ring current at time t, or, within one refresh interval of a publication, the one before.
          const heldAt = (time: number): RingDocument[] => {
            const current = rings.findLastIndex((r) => r.at <= time);
            return time < rings[current]!.at + refresh && current > 0
              ? [rings[current]!.ring, rings[current - 1]!.ring]
              : [rings[current]!.ring];
          };
          for (const [index, lagging, when, age] of tokens) {
            const i = index % rings.length;
            const span = lagging ? refresh : (rings[i + 1]?.at ?? rings[i]!.at + maxTtl) - rings[i]!.at;
            const signedAt = rings[i]!.at + when * span * 0.999;
            const verifiedAt = signedAt + age * maxTtl;
            for (const signer of heldAt(signedAt)) {
              for (const verifier of heldAt(verifiedAt)) {
                // What verification asks the ring: the key, its retireAfter and its signedUntil (no clock tolerance).
                const accepted = ringOf(verifier).keyFor(
                  activeOf(signer),
                  'access',
                  at(signedAt).getTime(),
                  at(verifiedAt).getTime(),
                  0,
                );
                if (accepted === undefined) return false;
              }
            }
          }
          return true;
        },
      ),
      // The boundary: the last token the old key signs, verified at its expiry, just as the next step drops that key.
      { numRuns: 200, examples: [[[refresh, grace], [[1, true, 1, 1]]]] },
    );
  });
});

function stored(key: ReturnType<typeof generateKey>): RingDocument['keys'][number] {
  return { id: key.id, key: key.key, state: key.state, createdAt: String(key.createdAt) };
}

function createRingCopy(ring: RingDocument): RingDocument['keys'] {
  return JSON.parse(JSON.stringify(ring.keys)) as RingDocument['keys'];
}
