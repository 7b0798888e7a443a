import { describe, expect, it } from '@jest/globals';
import { createHmac, randomBytes } from 'node:crypto';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { deriveKeyId, KeyRing, MIN_KEY_BYTES, type KeyRingOptions, type KeySpec } from './key-ring.js';
import { formatKeyText } from './key-text.js';

/** A key as the generator writes it: its key text. */
function spec(bytes: Buffer = randomBytes(32), state: KeySpec['state'] = 'active'): KeySpec & { key: string } {
  return { id: deriveKeyId(bytes), key: formatKeyText(bytes), state };
}

/** A key given as raw bytes, which needs allowRawKeys. */
function rawSpec(bytes: Buffer = randomBytes(32), state: KeySpec['state'] = 'active'): KeySpec & { key: Buffer } {
  return { id: deriveKeyId(bytes), key: bytes, state };
}

const RAW: KeyRingOptions = { allowRawKeys: true };

function messageOf(specs: unknown, options: KeyRingOptions = {}): string {
  try {
    KeyRing.from(specs as KeySpec[], options);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenAuthConfigError);
    return (error as Error).message;
  }
  throw new Error('the ring was accepted');
}

describe('KeyRing', () => {
  it('derives the key id as base64url of the first 9 bytes of HKDF-SHA256(key, "", "nestjs-token-auth/v1/key-id")', () => {
    // RFC 5869 with an empty salt: PRK = HMAC(zeros, key); T(1) = HMAC(PRK, info || 0x01).
    const key = Buffer.alloc(32, 7);
    const prk = createHmac('sha256', Buffer.alloc(32)).update(key).digest();
    const t1 = createHmac('sha256', prk)
      .update(Buffer.concat([Buffer.from('nestjs-token-auth/v1/key-id'), Buffer.of(1)]))
      .digest();
    expect(deriveKeyId(key)).toBe(t1.subarray(0, 9).toString('base64url'));
    expect(deriveKeyId(key)).toHaveLength(12);
  });

  it('holds one active key and any number of verify-only keys, looked up by id', () => {
    const active = spec();
    const next = spec(randomBytes(32), 'verify-only');
    const previous = spec(randomBytes(48), 'verify-only');
    const ring = KeyRing.from([next, active, previous]);
    expect(ring.active.id).toBe(active.id);
    expect(ring.get(next.id)?.state).toBe('verify-only');
    expect(ring.get(previous.id)?.keyIdBytes).toEqual(Buffer.from(previous.id, 'base64url'));
    expect(ring.get('nope')).toBeUndefined();
  });

  it('builds per-purpose MAC keys once, different from each other and from the master key', () => {
    const key = rawSpec();
    const ring = KeyRing.from([key], RAW);
    const { access, refresh } = ring.active.macKeys;
    expect(access.type).toBe('secret');
    expect(access.export()).not.toEqual(refresh.export());
    expect(access.export()).not.toEqual(key.key);
    expect(ring.get(key.id)).toBe(ring.active);
  });

  it('derives the same id and MAC keys from a key text as from its raw bytes, and marks only the raw key', () => {
    const bytes = randomBytes(32);
    const fromText = KeyRing.from([spec(bytes)]).active;
    const fromBytes = KeyRing.from([rawSpec(bytes)], RAW).active;
    expect(fromText.id).toBe(fromBytes.id);
    expect(fromText.macKeys.access.export()).toEqual(fromBytes.macKeys.access.export());
    expect([fromText.raw, fromBytes.raw]).toEqual([false, true]);
  });

  it('refuses raw key bytes without allowRawKeys, naming the key and how to convert it, never the key', () => {
    const bytes = randomBytes(32);
    for (const key of [bytes, bytes.toString('base64url'), bytes.toString('base64')]) {
      const message = messageOf([{ id: deriveKeyId(bytes), key, state: 'active' }]);
      expect(message).toMatch(new RegExp(`^key "${deriveKeyId(bytes)}": the key is raw .*, not a key text`));
      expect(message).toContain('npx nestjs-token-auth wrap');
      expect(message).toContain('allowRawKeys');
      expect(message).not.toContain(bytes.toString('base64url'));
    }
  });

  it('with allowRawKeys, accepts the key as base64url text, standard base64 text or a Buffer', () => {
    const bytes = randomBytes(32);
    for (const key of [bytes.toString('base64url'), bytes.toString('base64'), bytes]) {
      const ring = KeyRing.from([{ id: deriveKeyId(bytes), key, state: 'active' }], RAW);
      expect(ring.active).toMatchObject({ id: deriveKeyId(bytes), raw: true });
    }
  });

  it('refuses a key text that was cut short, mistyped or is of another version, without echoing it', () => {
    const key = spec();
    const body = key.key.slice(0, key.key.lastIndexOf('.'));
    const flipped = (text: string, at: number): string =>
      text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    for (const [text, reason] of [
      [key.key.slice(0, -1), /checksum does not match/],
      [body, /not in the form nta-key-v1\.<key>\.<check>/],
      [key.key.slice(0, 30), /not in the form/],
      [flipped(key.key, 20), /checksum does not match/],
      [flipped(key.key, key.key.length - 2), /checksum does not match/],
      [key.key.replace('nta-key-v1.', 'nta-key-v2.'), /key text version "v2" is not known/],
    ] as const) {
      const message = messageOf([{ ...key, key: text }]);
      expect(message).toMatch(reason);
      expect(message).toMatch(new RegExp(`^key "${key.id}": `));
      expect(message).not.toContain(body.slice(11, 30));
    }
  });

  it('still refuses non-random bytes written as a key text: the randomness check is the second line', () => {
    const passphrase = Buffer.from('correct horse battery staple, twice over!');
    expect(messageOf([spec(passphrase)])).toContain('the key bytes are text, like a password');
  });

  it('refuses a key shorter than 32 bytes, saying how long it is and how to make one', () => {
    const message = messageOf([rawSpec(randomBytes(31))], RAW);
    expect(message).toContain('31 bytes is too short');
    expect(message).toContain(`at least ${MIN_KEY_BYTES} random bytes`);
    expect(message).toContain('keygen');
  });

  it('refuses printable text, as a password would be, even when it is long enough', () => {
    const password = Buffer.from('correct horse battery staple, twice over!', 'utf8');
    expect(messageOf([rawSpec(password)], RAW)).toContain('the key bytes are text, like a password');
  });

  it('refuses a password-like raw key (under 43 base64url characters decodes to under 32 bytes)', () => {
    const key = 'passwordpasswordpasswordpasswordpassword0w';
    expect(messageOf([{ id: 'x', key, state: 'active' }])).toContain('not a key text');
    const message = messageOf([{ id: 'x', key, state: 'active' }], RAW);
    expect(message).toContain('31 bytes is too short');
    expect(message).not.toContain('password0w');
  });

  it('refuses raw key text that is not base64url, without echoing it', () => {
    const text = 'my password is hunter2 and it is long enough!!';
    expect(messageOf([{ id: 'x', key: text, state: 'active' }])).toContain('not a key text');
    const message = messageOf([{ id: 'x', key: text, state: 'active' }], RAW);
    expect(message).toContain('not base64url text');
    expect(message).not.toContain('hunter2');
  });

  it('refuses non-canonical raw base64url (bits set past the last byte)', () => {
    const text = randomBytes(32).toString('base64url'); // 43 characters, the last carries 2 unused bits
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const bad = text.slice(0, -1) + alphabet[alphabet.indexOf(text.at(-1)!) | 1];
    expect(bad).not.toBe(text);
    expect(messageOf([{ id: 'x', key: bad, state: 'active' }], RAW)).toContain('not base64url text');
  });

  it('refuses an id that does not match the key and names the right one', () => {
    const key = spec();
    const message = messageOf([{ ...key, id: 'AAAAAAAAAAAA' }]);
    expect(message).toContain('the id does not match the key');
    expect(message).toContain(`the id of this key is "${key.id}"`);
    expect(message).toContain('key "AAAAAAAAAAAA"');
  });

  it('refuses a key listed twice', () => {
    const key = spec();
    expect(messageOf([key, { ...key, state: 'verify-only' }])).toBe(
      `key ring: duplicate key id "${key.id}"; each key may appear once`,
    );
  });

  it('refuses a ring with no active key, or two', () => {
    expect(messageOf([spec(undefined, 'verify-only')])).toContain(
      '0 active keys; exactly one key must have state "active"',
    );
    expect(messageOf([spec(), spec()])).toContain('2 active keys');
  });

  it('refuses an empty ring or one that is not an array', () => {
    expect(messageOf([])).toContain('key ring: no keys');
    expect(messageOf(undefined)).toContain('key ring: no keys');
  });

  it('refuses an unknown state and entries that are not objects, naming the entry', () => {
    expect(messageOf([{ ...spec(), state: 'primary' }])).toMatch(
      /^key "[\w-]{12}": state must be "active" or "verify-only"$/,
    );
    expect(messageOf([spec(), null])).toBe('key #2: expected an object with id, key and state');
    expect(messageOf([{ ...spec(), key: 42 }])).toContain('key must be a key text (nta-key-v1.…)');
  });

  it('keeps createdAt and refuses one that is not a date', () => {
    const key = { ...spec(), createdAt: '2026-01-01T00:00:00Z' };
    const ring = KeyRing.from([key]);
    expect(ring.active.createdAt).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(ring.describe()).toEqual([{ id: key.id, state: 'active', createdAt: '2026-01-01T00:00:00.000Z' }]);
    expect(messageOf([{ ...spec(), createdAt: 'yesterday' }])).toContain('createdAt is not a valid date');
  });

  describe('keyFor: the one lookup verification uses', () => {
    const T = Date.parse('2026-06-01T00:00:00Z');
    const active = spec();
    const retiring = {
      ...spec(randomBytes(32), 'verify-only'),
      retireAfter: new Date(T + 1000),
      signedUntil: new Date(T - 60_000),
    };
    const ring = KeyRing.from([active, retiring]);

    it('answers the MAC key of the purpose for a key with no schedule, whatever the times', () => {
      expect(ring.keyFor(active.id, 'access', 0, Number.MAX_SAFE_INTEGER, 0)).toBe(ring.active.macKeys.access);
      expect(ring.keyFor(active.id, 'refresh', T, T, 0)).toBe(ring.active.macKeys.refresh);
      expect(ring.keyFor('AAAAAAAAAAAA', 'access', T, T, 0)).toBeUndefined();
    });

    it('answers nothing from retireAfter on', () => {
      expect(ring.keyFor(retiring.id, 'access', T - 120_000, T + 999, 0)).toBe(ring.get(retiring.id)!.macKeys.access);
      expect(ring.keyFor(retiring.id, 'access', T - 120_000, T + 1000, 0)).toBeUndefined();
    });

    it('answers nothing for a token issued after signedUntil plus the tolerance', () => {
      expect(ring.keyFor(retiring.id, 'refresh', T - 60_000 + 30_000, T, 30_000)).toBe(
        ring.get(retiring.id)!.macKeys.refresh,
      );
      expect(ring.keyFor(retiring.id, 'refresh', T - 60_000 + 30_001, T, 30_000)).toBeUndefined();
    });

    it('describes the schedule, and refuses a signedUntil that is not a date', () => {
      expect(ring.describe()[1]).toEqual({
        id: retiring.id,
        state: 'verify-only',
        retireAfter: new Date(T + 1000).toISOString(),
        signedUntil: new Date(T - 60_000).toISOString(),
      });
      expect(messageOf([{ ...spec(), signedUntil: 'soon' }])).toContain('signedUntil is not a valid date');
    });
  });

  it('describes its keys without key bytes', () => {
    const key = rawSpec();
    const text = JSON.stringify([KeyRing.from([key], RAW).describe(), KeyRing.from([spec(key.key)]).describe()]);
    expect(text).not.toContain(key.key.toString('base64url'));
    expect(text).not.toContain(key.key.toString('base64'));
    expect(text).not.toContain(key.key.toString('hex'));
  });
});
