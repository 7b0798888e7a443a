import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { generateKey } from './generate-key.js';
import { keyWeakness } from './key-randomness.js';
import { deriveKeyId, KeyRing } from './key-ring.js';

function load(bytes: Buffer): string {
  try {
    KeyRing.from([{ id: deriveKeyId(bytes), key: bytes, state: 'active' }]);
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

describe('key randomness check', () => {
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

  it('accepts the master keys of the published test vectors', () => {
    const vectors = JSON.parse(readFileSync('docs/test-vectors/token-v1.json', 'utf8')) as {
      keys: { masterKey: string }[];
    };
    for (const { masterKey } of vectors.keys) {
      expect(keyWeakness(Buffer.from(masterKey, 'hex'))).toBeUndefined();
    }
  });
});
