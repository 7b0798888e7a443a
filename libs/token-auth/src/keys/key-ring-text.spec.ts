import { describe, expect, it } from '@jest/globals';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { randomBytes } from 'node:crypto';
import { generateKey } from './generate-key.js';
import { deriveKeyId, KeyRing } from './key-ring.js';
import { formatCompactRing, parseKeyRingText } from './key-ring-text.js';

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

  const c = generateKey('verify-only');

  it('reads the compact form with its count: the first entry is active, the others verify-only', () => {
    const specs = parseKeyRingText(` ${a.id}:${a.key} , ${b.id}:${b.key} , n=2\n`, SOURCE);
    expect(specs).toEqual([
      { id: a.id, key: a.key, state: 'active' },
      { id: b.id, key: b.key, state: 'verify-only' },
    ]);
    expect(KeyRing.from(specs).active.id).toBe(a.id);
    expect(formatCompactRing([a, b])).toBe(`${a.id}:${a.key},${b.id}:${b.key},n=2`);
    expect(parseKeyRingText(formatCompactRing([a, b]), SOURCE)).toEqual(specs);
  });

  it('reads the JSON form with its count, states and createdAt', () => {
    const specs = parseKeyRingText(JSON.stringify({ count: 2, keys: [b, a] }), SOURCE);
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

  it('refuses the compact ring K2,K3,K1 cut at its last comma, and any ring whose count does not match', () => {
    const whole = formatCompactRing([b, c, a]);
    expect(parseKeyRingText(whole, SOURCE)).toHaveLength(3);
    const cut = whole.slice(0, whole.lastIndexOf(','));
    expect(messageOf(cut)).toBe(
      `${SOURCE}: the key ring does not say how many keys it holds (end it with ",n=3"); a ring without its count ` +
        'may have been cut short. "npx nestjs-token-auth keygen" and "wrap" write it',
    );
    const dropped = whole.slice(0, whole.lastIndexOf(',', whole.lastIndexOf(',') - 1));
    expect(messageOf(dropped)).toContain('does not say how many keys it holds (end it with ",n=2")');
    expect(messageOf(`${b.id}:${b.key},${c.id}:${c.key},n=3`)).toBe(
      `${SOURCE}: the key ring holds 2 keys but says it holds 3: it was cut short or edited without its count; ` +
        'restore it from its source',
    );
    expect(messageOf(JSON.stringify({ keys: [b, a] }))).toContain('("count": 2)');
    expect(messageOf(JSON.stringify({ count: 3, keys: [b, a] }))).toContain('holds 2 keys but says it holds 3');
    expect(messageOf(JSON.stringify({ count: '2', keys: [b, a] }))).toBe(
      `${SOURCE}: "count" must be the number of keys`,
    );
    for (const text of [whole, cut, dropped]) {
      for (const key of [a, b, c]) expect(messageOf(`${text},x`)).not.toContain(key.key);
    }
  });

  it('reads a ring of raw keys without a count, as rings written before key texts are', () => {
    const bytes = randomBytes(32);
    const raw = `${deriveKeyId(bytes)}:${bytes.toString('base64url')}`;
    expect(parseKeyRingText(raw, SOURCE)).toEqual([
      { id: deriveKeyId(bytes), key: bytes.toString('base64url'), state: 'active' },
    ]);
    expect(parseKeyRingText(JSON.stringify({ keys: [{ id: 'x', key: 'raw', state: 'active' }] }), SOURCE)).toHaveLength(
      1,
    );
    // The count is still checked when given; a key text among them needs it.
    expect(messageOf(`${raw},n=2`)).toContain('holds 1 key but says it holds 2');
    expect(messageOf(`${raw},${a.id}:${a.key}`)).toContain('does not say how many keys it holds');
  });

  it('names the compact entry that is not id:key, without echoing it', () => {
    for (const text of [
      a.key,
      `${a.id}:${a.key},${b.key},n=2`,
      `${a.id}:${a.key}:extra,n=1`,
      `:${a.key}`,
      `${a.id}:`,
      `${a.id}:${a.key},`,
      `${a.id}:${a.key},,n=1`,
    ]) {
      const message = messageOf(text);
      expect(message).toMatch(new RegExp(`^${SOURCE}: entry \\d is not "id:key"$`));
      expect(message).not.toContain(a.key);
      expect(message).not.toContain(b.key);
    }
  });
});
