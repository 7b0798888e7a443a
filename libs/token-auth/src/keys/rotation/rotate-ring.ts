import { TokenAuthConfigError } from '../../errors/token-auth-config.error.js';
import {
  DEFAULT_CLOCK_TOLERANCE,
  DEFAULT_MAX_ACCESS_TOKEN_TTL,
  DEFAULT_MAX_REFRESH_TOKEN_TTL,
} from '../../options/defaults.js';
import { generateKey } from '../generate-key.js';
import { KeyRing, readKey, type KeyRingOptions, type KeySpec, type KeyState } from '../key-ring.js';
import { parseKeyRingText } from '../key-ring-text.js';
import { formatKeyText } from '../key-text.js';

/** One key as the ring JSON stores it (docs/key-rotation.md). */
export interface StoredKey {
  id: string;
  /** The key text (`nta-key-v1.…`). */
  key: string;
  state: KeyState;
  createdAt: string;
  /** Set on a key that no longer signs: after this instant no valid token can still need it, so it is dropped. */
  retireAfter?: string;
  /** Set with `retireAfter`: the rotation time plus one refresh interval, when every instance has stopped signing. */
  signedUntil?: string;
}

/** The ring held by a secret or a file. `serializeRing` writes it as JSON with its count: `{"count":…,"keys":[…]}`. */
export interface RingDocument {
  keys: StoredKey[];
}

export interface RotateRingOptions {
  now: Date;
  /**
   * Seconds the old active key stays verify-only: the longest lifetime the verifiers accept for any purpose
   * (access and refresh tokens are signed by the same key) plus `clockTolerance` plus one refresh interval.
   * Default `defaultGracePeriod(refreshInterval)`, which covers the module's default maximum lifetimes.
   */
  gracePeriod?: number;
  /**
   * The providers' refresh interval in seconds. The `next` key is promoted only once it has been published that
   * long, so every instance knows it before any instance signs with it. Default 0 (no check).
   */
  refreshInterval?: number;
  /**
   * The active key is compromised: retire it at once (`retireAfter` and `signedUntil` now) instead of after the grace
   * period. Every token it signed fails on each instance at that instance's next refresh; the next step drops it.
   * The `next` key is promoted whatever its age.
   */
  emergency?: boolean;
}

export interface RotationResult {
  ring: RingDocument;
  /** The key that signs from now on. */
  active: string;
  /** The key id promoted by this step; absent when the ring had no `next` key yet (the step only published one). */
  activated?: string;
  /** The new `next` key, published verify-only. */
  published: string;
  /** The old active key, now verify-only until `retireAfter`. */
  retiring?: string;
  /** Keys removed: past their grace period (a compromised key too, at the step after its emergency). */
  dropped: string[];
  /**
   * Emergency: the compromised key, kept with `retireAfter` now so that it verifies nothing from each instance's
   * next refresh. It stays one step so that instances see it retired rather than lost (ring-continuity.ts).
   */
  revoked?: string;
}

/**
 * The grace period that logs no one out under the module's default limits: the longer of `maxAccessTokenTtl`
 * (1 day) and `maxRefreshTokenTtl` (30 days), plus `clockTolerance` (30 s), plus one refresh interval.
 * With `refreshInterval` 300: 2 592 330 s. Pass your own `gracePeriod` when you raise those limits.
 */
export function defaultGracePeriod(refreshInterval: number): number {
  return (
    Math.max(DEFAULT_MAX_ACCESS_TOKEN_TTL, DEFAULT_MAX_REFRESH_TOKEN_TTL) + DEFAULT_CLOCK_TOLERANCE + refreshInterval
  );
}

/** Thrown when a rotation step would be unsafe or the ring cannot be rotated; the message says why. */
export class KeyRotationError extends Error {
  override readonly name = 'KeyRotationError';
}

/**
 * Reads ring text (JSON or the compact `id:key` form) into a `RingDocument`, validated as a `KeyRing` would be.
 * Keys without `createdAt` get `now`: the clock of a migrated ring starts at its first rotation. With
 * `allowRawKeys`, raw keys that pass the ring's checks (length, randomness, id) are converted to key texts, so the
 * ring the next step writes holds key texts only.
 */
export function readRingDocument(text: string, source: string, now: Date, options: KeyRingOptions = {}): RingDocument {
  const specs = parseKeyRingText(text, source);
  validate(specs, source, false, options);
  return {
    keys: specs.map((spec) => ({
      id: spec.id,
      key: keyText(spec, source, options),
      state: spec.state,
      createdAt: toIso(spec.createdAt) ?? now.toISOString(),
      ...(spec.retireAfter !== undefined && { retireAfter: toIso(spec.retireAfter) }),
      ...(spec.signedUntil !== undefined && { signedUntil: toIso(spec.signedUntil) }),
    })),
  };
}

/**
 * One step of phased rotation, as a pure function of the ring and the clock:
 * 1. the `next` key (the verify-only key without `retireAfter`) becomes active;
 * 2. the old active key becomes verify-only until `now + gracePeriod`, accepting only tokens issued up to
 *    `now + refreshInterval` (emergency: it is retired at once, `retireAfter` now, and dropped by the next step);
 * 3. a new `next` key is added as verify-only;
 * 4. keys whose `retireAfter` has passed are dropped.
 * A ring without a `next` key (a new or migrated ring) only gets one published; the following step promotes it.
 */
export function rotateRing(ring: RingDocument, options: RotateRingOptions): RotationResult {
  const { now, refreshInterval = 0, emergency = false } = options;
  const gracePeriod = options.gracePeriod ?? defaultGracePeriod(refreshInterval);
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new KeyRotationError('now must be a valid Date');
  for (const [name, value] of [
    ['gracePeriod', gracePeriod],
    ['refreshInterval', refreshInterval],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new KeyRotationError(`${name} must be a number of seconds >= 0, got ${String(value)}`);
    }
  }
  if (gracePeriod < refreshInterval) {
    throw new KeyRotationError(
      `gracePeriod (${gracePeriod} s) is shorter than refreshInterval (${refreshInterval} s); it must cover the ` +
        'longest token lifetime plus one refresh interval',
    );
  }
  validate(ring?.keys, 'ring to rotate');
  const nowIso = now.toISOString();
  const active = ring.keys.find((key) => key.state === 'active')!;
  const candidates = ring.keys
    .filter((key) => key.state === 'verify-only' && key.retireAfter === undefined)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const next = candidates[0];
  if (next && !emergency) {
    const age = (now.getTime() - Date.parse(next.createdAt)) / 1000;
    if (!(age >= refreshInterval)) {
      throw new KeyRotationError(
        `the next key "${next.id}" was published ${Math.max(0, Math.floor(age))} s ago, less than one refresh ` +
          `interval (${refreshInterval} s): some instances may not know it yet. Rotate again later.`,
      );
    }
  }
  const retireAfter = new Date(now.getTime() + gracePeriod * 1000).toISOString();
  // Instances still on the old ring sign with the old key until their next refresh.
  const signedUntil = new Date(now.getTime() + refreshInterval * 1000).toISOString();
  const dropped: string[] = [];
  const kept: StoredKey[] = [];
  for (const key of ring.keys) {
    if (key === active) {
      if (emergency) kept.push({ ...key, state: 'verify-only', retireAfter: nowIso, signedUntil: nowIso });
      else if (next === undefined) kept.push(key);
      else kept.push({ ...key, state: 'verify-only', retireAfter, signedUntil });
    } else if (key === next) {
      kept.push({ ...key, state: 'active' });
    } else if (key.retireAfter !== undefined && Date.parse(key.retireAfter) <= now.getTime()) {
      dropped.push(key.id);
    } else {
      // A verify-only key without a schedule (a migrated ring) starts its grace period now.
      kept.push(key.retireAfter === undefined ? { ...key, retireAfter } : key);
    }
  }
  if (emergency && next === undefined) {
    // Nothing was published in advance: sign with a fresh key; instances accept it after their next refresh.
    kept.push(toStored(generateKey('active'), nowIso));
  }
  const published = toStored(generateKey('verify-only'), nowIso);
  kept.push(published);
  const newActive = kept.find((key) => key.state === 'active')!;
  const order = (key: StoredKey): number => (key.state === 'active' ? 0 : key.retireAfter === undefined ? 1 : 2);
  kept.sort((a, b) => order(a) - order(b) || Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const result: RingDocument = { keys: kept };
  validate(result.keys, 'rotated ring');
  return {
    ring: result,
    active: newActive.id,
    ...(next && { activated: next.id }),
    published: published.id,
    ...(next && !emergency && { retiring: active.id }),
    dropped,
    ...(emergency && { revoked: active.id }),
  };
}

/** A new ring: one active key and a `next` key already published, so the first rotation can promote it. */
export function createRing(now: Date): RingDocument {
  const iso = now.toISOString();
  return { keys: [toStored(generateKey('active'), iso), toStored(generateKey('verify-only'), iso)] };
}

/** The ring as stored: indented JSON with its count, the form every provider reads. */
export function serializeRing(ring: RingDocument): string {
  return `${JSON.stringify({ count: ring.keys.length, keys: ring.keys }, null, 2)}\n`;
}

function toStored(key: KeySpec & { key: string }, createdAt: string): StoredKey {
  return { id: key.id, key: key.key, state: key.state, createdAt };
}

function keyText(spec: KeySpec, source: string, options: KeyRingOptions): string {
  try {
    return formatKeyText(readKey(spec.key, `key "${spec.id}"`, options).bytes);
  } catch (error) {
    if (error instanceof TokenAuthConfigError) throw new KeyRotationError(`${source}: ${error.message}`);
    throw error;
  }
}

function toIso(value: string | Date | undefined): string | undefined {
  return value === undefined ? undefined : new Date(value).toISOString();
}

function validate(
  keys: readonly KeySpec[] | undefined,
  source: string,
  requireCreatedAt = true,
  options: KeyRingOptions = {},
): void {
  try {
    KeyRing.from(keys as KeySpec[], options);
  } catch (error) {
    if (error instanceof TokenAuthConfigError) throw new KeyRotationError(`${source}: ${error.message}`);
    throw error;
  }
  for (const key of keys!) {
    if (requireCreatedAt && key.createdAt === undefined)
      throw new KeyRotationError(`${source}: key "${key.id}" has no createdAt`);
  }
}
