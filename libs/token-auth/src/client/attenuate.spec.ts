import { describe, expect, it } from '@jest/globals';
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { encodeToken, type TokenFields } from '../format/token-codec.js';
import { ATTENUATED_PREFIX, MAX_CAVEATS } from '../format/caveat-format.js';
import { attenuate, oneTimeId, readToken } from './index.js';

const macKey = createSecretKey(randomBytes(32));
const T0 = Date.UTC(2026, 0, 1);

function token(purpose: 'access' | 'refresh' = 'access'): string {
  const fields: TokenFields = {
    purpose,
    keyId: randomBytes(9),
    tokenId: randomBytes(16),
    sessionId: randomBytes(16),
    issuedAt: T0,
    expiresAt: T0 + 900_000,
    subject: 'user-42',
    claims: '{"roles":["user"]}',
  };
  return encodeToken(fields, macKey);
}

function bytesOf(text: string): Buffer {
  return Buffer.from(text.slice(text.indexOf('.') + 1), 'base64url');
}

describe('attenuate (nestjs-token-auth/client)', () => {
  it('appends caveats and chains the tag: t1 = HMAC(t0, caveat 1), t2 = HMAC(t1, caveat 2)', async () => {
    const parent = token();
    const child = await attenuate(parent, [
      { type: 'methods', methods: ['GET'] },
      { type: 'path', prefix: '/notes/5/' },
    ]);
    expect(child.startsWith(ATTENUATED_PREFIX)).toBe(true);
    const p = bytesOf(parent);
    const c = bytesOf(child);
    const body = p.subarray(0, p.length - 32);
    expect(c.subarray(0, body.length)).toEqual(body);
    const caveat1 = Buffer.from([0x02, 0x01]);
    const caveat2 = Buffer.concat([Buffer.from([0x03]), Buffer.from('/notes/5')]);
    expect(c.subarray(body.length, c.length - 32)).toEqual(
      Buffer.concat([Buffer.from([2]), caveat1, Buffer.from([caveat2.length]), caveat2]),
    );
    const t1 = createHmac('sha256', p.subarray(p.length - 32))
      .update(caveat1)
      .digest();
    const t2 = createHmac('sha256', t1).update(caveat2).digest();
    expect(c.subarray(c.length - 32)).toEqual(t2);
  });

  it('attenuates an attenuated token further, giving what one call with every caveat gives', async () => {
    const parent = token();
    const caveats = [
      { type: 'expires', at: T0 + 60_000 },
      { type: 'audience', audience: 'notes' },
    ] as const;
    const once = await attenuate(parent, caveats);
    const twice = await attenuate(await attenuate(parent, [caveats[0]]), [caveats[1]]);
    expect(twice).toBe(once);
  });

  it('reads what a token says without a key: effective expiry and caveats', async () => {
    const child = await attenuate(token(), [
      { type: 'expires', at: new Date(T0 + 600_000) },
      { type: 'methods', methods: ['GET', 'HEAD'] },
    ]);
    const summary = readToken(child);
    expect(summary).toMatchObject({ purpose: 'access', sub: 'user-42', issuedAt: T0, expiresAt: T0 + 600_000 });
    expect(summary.caveats).toMatchObject({ expiresAt: T0 + 600_000, methods: ['GET', 'HEAD'], once: [] });
    expect(readToken(token()).caveats).toBeUndefined();
  });

  it('refuses a refresh token, no caveat, too many caveats, and text that is not a token', async () => {
    await expect(attenuate(token('refresh'), [{ type: 'methods', methods: ['GET'] }])).rejects.toThrow(
      /refresh token cannot be attenuated/,
    );
    await expect(attenuate(token(), [])).rejects.toThrow(TypeError);
    const many = Array.from({ length: MAX_CAVEATS + 1 }, () => ({ type: 'once' as const }));
    await expect(attenuate(token(), many)).rejects.toThrow(RangeError);
    await expect(attenuate(`${token()}A`, [{ type: 'once' }])).rejects.toThrow(TypeError);
    await expect(attenuate('Bearer x', [{ type: 'once' }])).rejects.toThrow(TypeError);
    await expect(attenuate(token(), [{ type: 'path', prefix: '/a/../b' }])).rejects.toThrow(RangeError);
  });

  it('draws a fresh 16-byte id for each one-time caveat', async () => {
    expect(oneTimeId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const child = await attenuate(token(), [{ type: 'once' }, { type: 'once' }]);
    const [a, b] = readToken(child).caveats!.once;
    expect(a).not.toBe(b);
  });
});
