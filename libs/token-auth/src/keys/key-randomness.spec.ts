import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { generateKey } from './generate-key.js';
import { keyWeakness } from './key-randomness.js';
import { deriveKeyId, KeyRing } from './key-ring.js';

/** Loads `bytes` as a raw key (`allowRawKeys`): the randomness check is what stands between them and the ring. */
function load(bytes: Buffer): string {
  try {
    KeyRing.from([{ id: deriveKeyId(bytes), key: bytes, state: 'active' }], { allowRawKeys: true });
  } catch (error) {
    expect(error).toBeInstanceOf(TokenAuthConfigError);
    return (error as Error).message;
  }
  throw new Error('the key was accepted');
}

/** Each half-byte as a byte: 32 bytes with at most 16 values, as a hex string decoded the wrong way would be. */
const nibbles = (bytes: Buffer): Buffer => Buffer.from([...bytes].flatMap((byte) => [byte >> 4, byte & 15]));

const correctHorse = Buffer.from(
  // echo 'correct horse battery staple 2026!' | base64: the text with its trailing newline
  Buffer.from('correct horse battery staple 2026!\n').toString('base64'),
  'base64',
);

/** Eight random bytes (fixed here) that the check before these vectors accepted in both spreads below. */
const eight = Buffer.from('6d4f49b38ab685da', 'hex');

/** The five keys of issue 23 that the check once accepted; the demo started with the first one. */
const ISSUE_23: [string, Buffer, RegExp][] = [
  [
    'a Latin-1 passphrase (Grüße aus München, Passwort 2024!)',
    Buffer.from('Grüße aus München, Passwort 2024!', 'latin1'),
    /text in a one-byte encoding/,
  ],
  [
    "UTF-16LE text, as PowerShell's [Text.Encoding]::Unicode writes it",
    Buffer.from('The quick brown fox jumps!', 'utf16le'),
    /every second byte takes only 1 value \(text in UTF-16/,
  ],
  [
    '(i*i*7+3) % 251',
    Buffer.from(Array.from({ length: 32 }, (_, i) => (i * i * 7 + 3) % 251)),
    /second or third differences/,
  ],
  [
    'a table from sin(): round(127.5 + 127.5 sin(i))',
    Buffer.from(Array.from({ length: 32 }, (_, i) => Math.round(127.5 + 127.5 * Math.sin(i)))),
    /smooth curve/,
  ],
  [
    '8 random bytes spread over 32 (byte i % 8 XOR i)',
    Buffer.from(Array.from({ length: 32 }, (_, i) => eight[i % 8]! ^ i)),
    /bytes 1 apart differ in only a few ways/,
  ],
];

describe('key randomness check', () => {
  it.each(ISSUE_23)('refuses %s (issue 23)', (_, bytes, reason) => {
    const message = load(bytes);
    expect(message).toMatch(reason);
    expect(message).toContain('keygen');
  });

  it.each<[string, Buffer, RegExp]>([
    [
      'a Spanish passphrase in Latin-1',
      Buffer.from('La contraseña del año es mañana 2025', 'latin1'),
      /one-byte encoding/,
    ],
    ['Cyrillic in UTF-16LE', Buffer.from('Пароль для входа в систему', 'utf16le'), /every second byte/],
    ['ASCII in UTF-16BE', Buffer.from('correct horse battery', 'utf16le').swap16(), /not random/],
    [
      '8 random bytes spread over 32 (byte i % 8 times i + 1)',
      Buffer.from(Array.from({ length: 32 }, (_, i) => (eight[i % 8]! * (i + 1)) & 0xff)),
      /bytes 8 apart differ in only a few ways/,
    ],
    [
      'a sine of another frequency, phase and amplitude',
      Buffer.from(Array.from({ length: 32 }, (_, i) => Math.round(100 + 90 * Math.sin(0.37 * i + 2)))),
      /smooth curve/,
    ],
    ['a cubic (i^3 mod 256)', Buffer.from(Array.from({ length: 32 }, (_, i) => (i * i * i) & 0xff)), /pattern/],
  ])('refuses %s', (_, bytes, reason) => {
    expect(load(bytes)).toMatch(reason);
  });

  it.each<[string, Buffer, RegExp]>([
    ['32 zero bytes', Buffer.alloc(32), /repeat every 1 byte/],
    ['32 x 0xff', Buffer.alloc(32, 0xff), /repeat every 1 byte/],
    ['a repeating 00 01 pattern', Buffer.from('0001'.repeat(16), 'hex'), /repeat every 2 bytes/],
    ['16 random bytes twice', ((half) => Buffer.concat([half, half]))(randomBytes(16)), /repeat every 16 bytes/],
    [
      'a passphrase with one non-ASCII letter',
      Buffer.from('correct horse battery stäple 2026!'),
      /text, like a password/,
    ],
    ['base64 of echo output (text and a newline)', correctHorse, /text, like a password/],
    ['a Japanese passphrase', Buffer.from('正しい馬の電池のホッチキス'), /text, like a password/],
    ['a counter 00 01 02 … 1f', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), /follow a pattern/],
    ['bytes 0-15 only (hex digits decoded as bytes)', nibbles(randomBytes(16)), /only \d+ distinct byte values/],
  ])('refuses %s, saying why and pointing to keygen', (_, bytes, reason) => {
    const message = load(bytes);
    expect(message).toMatch(reason);
    expect(message).toContain('keygen');
  });

  it('accepts every key generateKey makes, and 10 000 draws of 32 random bytes', () => {
    for (let i = 0; i < 200; i++) {
      const key = generateKey();
      expect(KeyRing.from([key]).active.id).toBe(key.id);
    }
    const refused = Array.from({ length: 10_000 }, () => randomBytes(32)).filter(
      (bytes) => keyWeakness(bytes) !== undefined,
    );
    expect(refused).toEqual([]);
  });

  it('accepts 2 000 draws each of 33, 48, 64 and 100 random bytes', () => {
    for (const length of [33, 48, 64, 100]) {
      const refused = Array.from({ length: 2000 }, () => randomBytes(length)).filter(
        (bytes) => keyWeakness(bytes) !== undefined,
      );
      expect(refused).toEqual([]);
    }
  });

  it('accepts the master keys of the published test vectors', () => {
    const vectors = JSON.parse(readFileSync('docs/test-vectors/token-v1.json', 'utf8')) as {
      keys: { masterKey: string }[];
    };
    for (const { masterKey } of vectors.keys) {
      expect(keyWeakness(Buffer.from(masterKey, 'hex'))).toBeUndefined();
    }
  });
});
