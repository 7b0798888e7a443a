import { describe, expect, it } from '@jest/globals';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { generateKey } from './generate-key.js';
import { KeyRing } from './key-ring.js';
import { parseKeyRingText } from './key-ring-text.js';

const SOURCE = 'env TOKEN_AUTH_KEYS';

function messageOf(text: string): string {
  try {
    parseKeyRingText(text, SOURCE);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenAuthConfigError);
    return (error as Error).message;
  }
  throw new Error('the text was accepted');
}

describe('parseKeyRingText', () => {
  const a = generateKey();
  const b = generateKey('verify-only');

  it('reads the compact form: the first entry is active, the others verify-only', () => {
    const specs = parseKeyRingText(` ${a.id}:${a.key} , ${b.id}:${b.key}\n`, SOURCE);
    expect(specs).toEqual([
      { id: a.id, key: a.key, state: 'active' },
      { id: b.id, key: b.key, state: 'verify-only' },
    ]);
    expect(KeyRing.from(specs).active.id).toBe(a.id);
  });

  it('reads the JSON form with states and createdAt', () => {
    const specs = parseKeyRingText(JSON.stringify({ keys: [b, a] }), SOURCE);
    const ring = KeyRing.from(specs);
    expect(ring.active.id).toBe(a.id);
    expect(ring.get(b.id)?.state).toBe('verify-only');
    expect(ring.active.createdAt).toEqual(new Date(a.createdAt as string));
  });

  it('names the source and never echoes the text when the JSON is invalid', () => {
    const text = `{"keys":[{"id":"${a.id}","key":"${a.key}"`;
    const message = messageOf(text);
    expect(message).toBe(`${SOURCE}: the key ring is not valid JSON`);
    expect(message).not.toContain(a.key);
  });

  it('asks for a "keys" array', () => {
    expect(messageOf(`{"key":"${a.key}"}`)).toBe(`${SOURCE}: the key ring JSON needs a "keys" array`);
  });

  it('names the compact entry that is not id:key, without echoing it', () => {
    for (const text of [
      a.key,
      `${a.id}:${a.key},${b.key}`,
      `${a.id}:${a.key}:extra`,
      `:${a.key}`,
      `${a.id}:`,
      `${a.id}:${a.key},`,
    ]) {
      const message = messageOf(text);
      expect(message).toMatch(new RegExp(`^${SOURCE}: entry \\d is not "id:key"$`));
      expect(message).not.toContain(a.key);
      expect(message).not.toContain(b.key);
    }
  });
});
