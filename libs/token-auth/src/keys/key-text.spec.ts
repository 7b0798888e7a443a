import { describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { KeyRing } from './key-ring.js';
import { parseKeyRingText } from './key-ring-text.js';
import { formatKeyText, isKeyText, KEY_TEXT_PREFIX, parseKeyText } from './key-text.js';

interface Vectors {
  keys: { name: string; masterKey: string; keyId: string; keyText: string; ringEntry: string; inRing: boolean }[];
  ring: string;
  keyTextInvalid: { name: string; text: string; rule: string }[];
}

const vectors = JSON.parse(readFileSync('docs/test-vectors/token-v1.json', 'utf8')) as Vectors;

function messageOf(text: string): string {
  try {
    parseKeyText(text, 'key "k"');
  } catch (error) {
    expect(error).toBeInstanceOf(TokenAuthConfigError);
    return (error as Error).message;
  }
  throw new Error('the key text was accepted');
}

describe('key text (nta-key-v1)', () => {
  it('writes the key and the first 6 bytes of SHA-256 over the label and the key, both base64url', () => {
    const key = randomBytes(32);
    const check = createHash('sha256')
      .update(Buffer.concat([Buffer.from('nestjs-token-auth/v1/key-text'), key]))
      .digest()
      .subarray(0, 6);
    expect(formatKeyText(key)).toBe(`nta-key-v1.${key.toString('base64url')}.${check.toString('base64url')}`);
    expect(formatKeyText(key)).toHaveLength(11 + 43 + 1 + 8);
    expect(parseKeyText(formatKeyText(key), 'k')).toEqual(key);
    expect(isKeyText(formatKeyText(key))).toBe(true);
  });

  it('reads and writes the published vectors, and their compact ring loads with its count', () => {
    for (const key of vectors.keys) {
      const master = Buffer.from(key.masterKey, 'hex');
      expect(formatKeyText(master)).toBe(key.keyText);
      expect(parseKeyText(key.keyText, key.name)).toEqual(master);
      expect(key.ringEntry).toBe(`${key.keyId}:${key.keyText}`);
    }
    const ring = KeyRing.from(parseKeyRingText(vectors.ring, 'vectors'));
    expect(ring.keys.map((key) => key.id)).toEqual(vectors.keys.filter((key) => key.inRing).map((key) => key.keyId));
    expect(ring.keys.some((key) => key.raw)).toBe(false);
  });

  it.each(vectors.keyTextInvalid.map((vector) => [vector.name, vector] as const))(
    'refuses the invalid vector %s, without echoing it',
    (_, { text, rule }) => {
      let message: string;
      if (rule.startsWith('raw')) {
        expect(isKeyText(text)).toBe(false);
        message = messageOf(text);
        expect(message).toContain('not in the form');
      } else {
        message = messageOf(text);
        const expected = rule.startsWith('checksum')
          ? /checksum does not match/
          : rule.startsWith('version')
            ? /version "v2" is not known/
            : rule.startsWith('length')
              ? /holds \d+ bytes; a key text holds 32 to 64/
              : /not in the form nta-key-v1\.<key>\.<check>/;
        expect(message).toMatch(expected);
      }
      expect(message.startsWith('key "k": ')).toBe(true);
      expect(message).not.toContain(text.slice(KEY_TEXT_PREFIX.length, KEY_TEXT_PREFIX.length + 20));
    },
  );

  it('refuses to write fewer than 32 or more than 64 bytes', () => {
    expect(() => formatKeyText(randomBytes(31))).toThrow('a key text holds 32 to 64 bytes, not 31');
    expect(() => formatKeyText(randomBytes(65))).toThrow('not 65');
    expect(parseKeyText(formatKeyText(randomBytes(64)), 'k')).toHaveLength(64);
  });

  it('catches any one character changed, dropped or added in a key text', () => {
    const text = formatKeyText(randomBytes(32));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    for (let i = 0; i <= text.length; i++) {
      const variants = [text.slice(0, i) + text.slice(i + 1), text.slice(0, i) + 'x' + text.slice(i)];
      if (i < text.length)
        variants.push(text.slice(0, i) + alphabet[(alphabet.indexOf(text[i]!) + 1) % 64] + text.slice(i + 1));
      for (const variant of variants) {
        if (variant === text) continue;
        expect(() => parseKeyText(variant, 'k')).toThrow(TokenAuthConfigError);
      }
    }
  });
});
