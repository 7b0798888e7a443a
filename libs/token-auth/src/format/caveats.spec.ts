import { describe, expect, it } from '@jest/globals';
import { decodeBase64url, encodeBase64url } from './base64url.js';
import { CaveatType, MAX_ATTENUATED_TOKEN_LENGTH, MAX_CAVEAT_BYTES } from './caveat-format.js';
import {
  CaveatFormatError,
  decodeCaveat,
  encodeCaveat,
  isCanonicalPrefix,
  normalisePathPrefix,
  type Caveat,
} from './caveats.js';

const ID = encodeBase64url(new Uint8Array(16).fill(7));

function roundTrip(caveat: Caveat): Caveat {
  const bytes = encodeCaveat(caveat);
  return decodeCaveat(bytes, 0, bytes.length);
}

function problemOf(bytes: number[]): string {
  try {
    decodeCaveat(Uint8Array.from(bytes), 0, bytes.length);
  } catch (error) {
    if (error instanceof CaveatFormatError) return error.problem;
    throw error;
  }
  return 'accepted';
}

describe('base64url over Uint8Array', () => {
  it('spells bytes as Buffer does, and reads back only the canonical spelling', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 151 + length * 17) & 0xff);
      const text = encodeBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(decodeBase64url(text)).toEqual(bytes);
    }
    expect(decodeBase64url('AB')).toBeUndefined(); // unused bits set
    expect(decodeBase64url('AQ==')).toBeUndefined();
    expect(decodeBase64url('A+/A')).toBeUndefined();
    expect(decodeBase64url('AAAAA')).toBeUndefined();
    expect(decodeBase64url('AŁ')).toBeUndefined();
  });
});

describe('caveats', () => {
  it('round-trips every type', () => {
    const caveats: Caveat[] = [
      { type: 'expires', at: Date.UTC(2026, 0, 1, 0, 10) },
      { type: 'methods', methods: ['GET', 'HEAD'] },
      { type: 'path', prefix: '/notes/5' },
      { type: 'path', prefix: '/' },
      { type: 'audience', audience: 'notes-api' },
      { type: 'once', id: ID },
    ];
    for (const caveat of caveats) expect(roundTrip(caveat)).toEqual(caveat);
    expect(Array.from(encodeCaveat({ type: 'methods', methods: ['GET', 'HEAD'] }))).toEqual([CaveatType.methods, 3]);
  });

  it('refuses to write a caveat that could not be read back the same way', () => {
    expect(() => encodeCaveat({ type: 'expires', at: 1.5 })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'expires', at: 0 })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'methods', methods: [] })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'methods', methods: ['get' as 'GET'] })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'path', prefix: '/notes/../admin' })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'path', prefix: '/notes/%2e%2e' })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'path', prefix: 'notes' })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'path', prefix: `/${'a'.repeat(MAX_CAVEAT_BYTES)}` })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'audience', audience: '' })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'audience', audience: 'a\nb' })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'once', id: 'short' })).toThrow(RangeError);
    expect(() => encodeCaveat({ type: 'role' } as unknown as Caveat)).toThrow(TypeError);
  });

  it('writes a path prefix in its one normal form', () => {
    expect(normalisePathPrefix('/notes/5/')).toBe('/notes/5');
    expect(normalisePathPrefix('/')).toBe('/');
    for (const bad of [
      '',
      'notes',
      '//notes',
      '/notes//5',
      '/./notes',
      '/notes/..',
      '/a\\b',
      '/a%20b',
      '/a?b',
      '/a#b',
    ]) {
      expect(() => normalisePathPrefix(bad)).toThrow(RangeError);
    }
  });

  it('fails closed on an unknown type, and refuses a payload its type does not allow', () => {
    expect(problemOf([0x00])).toBe('unknown');
    expect(problemOf([0x06, 1, 2, 3])).toBe('unknown');
    expect(problemOf([0xff])).toBe('unknown');
    expect(problemOf([CaveatType.expires, 0, 0, 0, 0, 0])).toBe('malformed');
    expect(problemOf([CaveatType.expires, 0, 0, 0, 0, 0, 0])).toBe('malformed');
    expect(problemOf([CaveatType.methods, 0])).toBe('malformed');
    expect(problemOf([CaveatType.methods, 0x80 | 1])).toBe('malformed');
    expect(problemOf([CaveatType.methods, 1, 1])).toBe('malformed');
    expect(problemOf([CaveatType.path])).toBe('malformed');
    expect(problemOf([CaveatType.path, ...Buffer.from('/a/../b')])).toBe('malformed');
    expect(problemOf([CaveatType.path, ...Buffer.from('/a/')])).toBe('malformed');
    expect(problemOf([CaveatType.path, 0x2f, 0xff])).toBe('malformed');
    expect(problemOf([CaveatType.audience, 0x61, 0x0a])).toBe('malformed');
    expect(problemOf([CaveatType.once, 1, 2, 3])).toBe('malformed');
  });
});

describe('isCanonicalPrefix', () => {
  /** The rule as docs/token-format.md states it, written plainly: what the one-pass check must agree with. */
  function byTheRule(prefix: string): boolean {
    if (!prefix.startsWith('/') || [...prefix].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')) return false;
    if (prefix === '/') return true;
    if (/[\\%?#]/.test(prefix)) return false;
    return prefix
      .split('/')
      .slice(1)
      .every((segment) => segment !== '' && segment !== '.' && segment !== '..');
  }

  it('agrees with the rule on every string of up to 5 characters from an alphabet of its edge cases', () => {
    const alphabet = ['/', '.', 'a', '%', '\\', '?', '#', '\n', '\u007f', 'é'];
    let strings = [''];
    const disagreements: string[] = [];
    let checked = 0;
    for (let size = 0; size <= 5; size++) {
      for (const text of strings) if (isCanonicalPrefix(text) !== byTheRule(text)) disagreements.push(text);
      checked += strings.length;
      strings = strings.flatMap((text) => alphabet.map((character) => text + character));
    }
    expect(disagreements).toEqual([]);
    expect(checked).toBe(111_111);
  });
});

describe('limits', () => {
  it('caps an attenuated token at 3 208 characters', () => {
    expect(MAX_ATTENUATED_TOKEN_LENGTH).toBe(3208);
  });
});
