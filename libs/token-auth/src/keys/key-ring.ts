import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { HKDF_INFO, KEY_ID_BYTES, type TokenPurposeName } from '../format/token-format.js';
import { keyWeakness } from './key-randomness.js';
import { isKeyText, parseKeyText } from './key-text.js';

export type KeyState = 'active' | 'verify-only';

/**
 * One key as a provider hands it over. `key` is its key text (`nta-key-v1.…`, what `generateKey` and the CLI write),
 * or, only with `allowRawKeys`, raw bytes: a Buffer, or their base64url (or base64) text.
 */
export interface KeySpec {
  id: string;
  key: Buffer | string;
  state: KeyState;
  createdAt?: string | Date;
  /** When a retiring key is dropped: from this instant it verifies nothing. Set by `rotateRing`. */
  retireAfter?: string | Date;
  /**
   * When every instance has stopped signing with this key (the rotation that retired it plus one refresh
   * interval): tokens it claims to have issued later than this, beyond the clock tolerance, are refused. Set by
   * `rotateRing`; a key without it accepts any issue time.
   */
  signedUntil?: string | Date;
}

/** A validated key with its derived MAC keys, built once per ring. */
export interface RingKey {
  readonly id: string;
  readonly state: KeyState;
  readonly createdAt?: Date;
  readonly retireAfter?: Date;
  readonly signedUntil?: Date;
  /** Given as raw bytes under `allowRawKeys`, not as a key text. */
  readonly raw: boolean;
  readonly keyIdBytes: Buffer;
  readonly macKeys: Readonly<Record<TokenPurposeName, KeyObject>>;
  /** HMAC key of the successor ids: a refreshed pair's token ids derive from the refresh token used. */
  readonly successorKey: KeyObject;
}

/** What a ring tells a health check: never key bytes. */
export interface KeyDescription {
  id: string;
  state: KeyState;
  createdAt?: string;
  retireAfter?: string;
  signedUntil?: string;
}

/** A ring key with its limits as milliseconds since the epoch (Infinity: none), for the check on every token. */
interface Entry {
  readonly key: RingKey;
  readonly retireAfterMs: number;
  readonly signedUntilMs: number;
}

export const MIN_KEY_BYTES = 32;
const KEY_STATES: readonly KeyState[] = ['active', 'verify-only'];
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const KEYGEN_HINT = 'generate keys with "npx nestjs-token-auth keygen"';
const WRAP_HINT =
  'convert raw keys with "npx nestjs-token-auth wrap" (docs/key-rotation.md#migrating-raw-keys), or accept them ' +
  'as they are with allowRawKeys (a key provider option; --allow-raw-keys for init and rotate)';

export interface KeyRingOptions {
  /**
   * Accept raw key bytes (a Buffer, or base64url text that is not a key text) besides key texts: keys written before
   * key texts, or made by another tool. They still pass the randomness check; the `KeyRingManager` logs a warning
   * naming each one. Default false: a raw key stops the load, with a message saying how to convert it.
   */
  allowRawKeys?: boolean;
}

function derive(key: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, length));
}

/** The key id: the first 9 bytes of HKDF-SHA256(key, info "nestjs-token-auth/v1/key-id"), base64url. */
export function deriveKeyId(key: Buffer): string {
  return derive(key, HKDF_INFO.keyId, KEY_ID_BYTES).toString('base64url');
}

/** Decodes a key's base64url (or base64) text; throws `TokenAuthConfigError` naming `label`, never the text. */
export function decodeKey(text: string, label: string): Buffer {
  const encoding = BASE64URL.test(text) ? 'base64url' : BASE64.test(text) ? 'base64' : undefined;
  const bytes = encoding && Buffer.from(text, encoding);
  if (!bytes || bytes.toString(encoding) !== text) {
    throw new TokenAuthConfigError(`${label}: the key is not base64url text; ${KEYGEN_HINT}`);
  }
  return bytes;
}

/**
 * The bytes of a key as a `KeySpec` gives it: a key text, or with `allowRawKeys` raw bytes or their base64url text.
 * Throws `TokenAuthConfigError` naming `label`, never the key.
 */
export function readKey(key: unknown, label: string, options: KeyRingOptions = {}): { bytes: Buffer; raw: boolean } {
  if (typeof key === 'string' && isKeyText(key)) return { bytes: parseKeyText(key, label), raw: false };
  if (typeof key !== 'string' && !Buffer.isBuffer(key)) {
    throw new TokenAuthConfigError(`${label}: key must be a key text (nta-key-v1.…); ${KEYGEN_HINT}`);
  }
  if (options.allowRawKeys !== true) {
    throw new TokenAuthConfigError(
      `${label}: the key is raw ${typeof key === 'string' ? 'text' : 'bytes (a Buffer)'}, not a key text ` +
        `(nta-key-v1.…, which only the generator writes); ${WRAP_HINT}`,
    );
  }
  return { bytes: typeof key === 'string' ? decodeKey(key, label) : key, raw: true };
}

function buildKey(spec: KeySpec, index: number, options: KeyRingOptions): RingKey {
  const label = `key ${typeof spec?.id === 'string' && spec.id ? `"${spec.id}"` : `#${index + 1}`}`;
  if (typeof spec !== 'object' || spec === null) {
    throw new TokenAuthConfigError(`${label}: expected an object with id, key and state`);
  }
  if (!KEY_STATES.includes(spec.state)) {
    throw new TokenAuthConfigError(`${label}: state must be "active" or "verify-only"`);
  }
  const { bytes, raw } = readKey(spec.key, label, options);
  if (bytes.length < MIN_KEY_BYTES) {
    throw new TokenAuthConfigError(
      `${label}: ${bytes.length} bytes is too short; keys must be at least ${MIN_KEY_BYTES} random bytes (${KEYGEN_HINT})`,
    );
  }
  const weakness = keyWeakness(bytes);
  if (weakness !== undefined) {
    throw new TokenAuthConfigError(`${label}: ${weakness}, not random; keys must be random bytes (${KEYGEN_HINT})`);
  }
  const id = deriveKeyId(bytes);
  if (spec.id !== id) {
    throw new TokenAuthConfigError(
      `${label}: the id does not match the key; the id of this key is "${id}" (ids are derived from the key)`,
    );
  }
  const createdAt = optionalDate(spec.createdAt, label, 'createdAt');
  const retireAfter = optionalDate(spec.retireAfter, label, 'retireAfter');
  const signedUntil = optionalDate(spec.signedUntil, label, 'signedUntil');
  return {
    id,
    state: spec.state,
    raw,
    createdAt,
    ...(retireAfter && { retireAfter }),
    ...(signedUntil && { signedUntil }),
    keyIdBytes: Buffer.from(id, 'base64url'),
    macKeys: {
      access: createSecretKey(derive(bytes, HKDF_INFO.access, 32)),
      refresh: createSecretKey(derive(bytes, HKDF_INFO.refresh, 32)),
    },
    successorKey: createSecretKey(derive(bytes, HKDF_INFO.successor, 32)),
  };
}

function optionalDate(value: string | Date | undefined, label: string, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new TokenAuthConfigError(`${label}: ${field} is not a valid date`);
  }
  return date;
}

/**
 * An immutable set of keys: exactly one `active` key signs, `verify-only` keys are still accepted (the next key
 * published early, or the previous one in its grace period). Built and validated once; lookups are a map get.
 */
export class KeyRing {
  readonly active: RingKey;
  private readonly byId: ReadonlyMap<string, Entry>;

  private constructor(keys: RingKey[]) {
    const byId = new Map<string, Entry>();
    for (const key of keys) {
      if (byId.has(key.id)) {
        throw new TokenAuthConfigError(`key ring: duplicate key id "${key.id}"; each key may appear once`);
      }
      byId.set(key.id, {
        key,
        retireAfterMs: key.retireAfter?.getTime() ?? Infinity,
        signedUntilMs: key.signedUntil?.getTime() ?? Infinity,
      });
    }
    const active = keys.filter((key) => key.state === 'active');
    if (active.length !== 1) {
      throw new TokenAuthConfigError(
        `key ring: ${active.length} active keys; exactly one key must have state "active"`,
      );
    }
    this.active = active[0]!;
    this.byId = byId;
  }

  /** Validates the specs and derives every key once. Throws `TokenAuthConfigError` saying what to fix. */
  static from(specs: readonly KeySpec[], options: KeyRingOptions = {}): KeyRing {
    if (!Array.isArray(specs) || specs.length === 0) {
      throw new TokenAuthConfigError(`key ring: no keys; ${KEYGEN_HINT}`);
    }
    return new KeyRing(specs.map((spec, index) => buildKey(spec, index, options)));
  }

  get(id: string): RingKey | undefined {
    return this.byId.get(id)?.key;
  }

  /** Every key of the ring, in the order given. */
  get keys(): RingKey[] {
    return [...this.byId.values()].map((entry) => entry.key);
  }

  /**
   * The MAC key that may verify a `purpose` token naming key `kid` and issued at `issuedAt`, checked at `now`
   * (both ms since the epoch), or undefined: the id is not in the ring, the key is past its `retireAfter`, or the
   * token claims an issue time later than the key's `signedUntil` plus `toleranceMs`. The one place a key is
   * accepted for a token: every verification path calls it.
   */
  keyFor(
    kid: string,
    purpose: TokenPurposeName,
    issuedAt: number,
    now: number,
    toleranceMs: number,
  ): KeyObject | undefined {
    const entry = this.byId.get(kid);
    if (entry === undefined || now >= entry.retireAfterMs || issuedAt > entry.signedUntilMs + toleranceMs)
      return undefined;
    return entry.key.macKeys[purpose];
  }

  describe(): KeyDescription[] {
    return [...this.byId.values()].map(({ key: { id, state, createdAt, retireAfter, signedUntil } }) => ({
      id,
      state,
      ...(createdAt && { createdAt: createdAt.toISOString() }),
      ...(retireAfter && { retireAfter: retireAfter.toISOString() }),
      ...(signedUntil && { signedUntil: signedUntil.toISOString() }),
    }));
  }
}
