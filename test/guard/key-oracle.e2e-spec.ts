import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { generateKey, TokenService } from 'nestjs-token-auth';
import { createGuardApp, testClock, type AdapterName } from './guard-test-app.js';
import { get } from '../support/raw-http.js';

/** Bytes 2 to 10 of a token's body: the key id (docs/token-format.md). */
const KEY_ID_OFFSET = 2;

/** `token` naming key `keyId`, with a random tag: a forgery anyone can send. */
function forgedFor(token: string, keyId: string): string {
  const bytes = Buffer.from(token.slice('nta1.'.length), 'base64url');
  Buffer.from(keyId, 'base64url').copy(bytes, KEY_ID_OFFSET);
  randomBytes(32).copy(bytes, bytes.length - 32);
  return `nta1.${bytes.toString('base64url')}`;
}

/** Everything the server sent but the Date header, which changes with the second. */
const withoutDate = (raw: string) => raw.replace(/^date: .*\r\n/im, '');

/**
 * Issue 23: telling `unknown_key` from `invalid_signature` on forged tokens gave away a retiring key's `signedUntil`
 * to the millisecond (a forged token naming the key, issued before it, was a bad signature; after it, an unknown
 * key) and which key ids the ring holds. Every such token now gets the same answer, byte for byte.
 */
describe.each<AdapterName>(['express', 'fastify'])('forged tokens whatever key they name, on %s', (adapter) => {
  let app: INestApplication;
  let port: number;
  let own: string;
  const active = generateKey('active');
  // Stopped signing a minute before the test clock's now (beyond the 30 s tolerance), still verifying for a day.
  const retiring = {
    ...generateKey('verify-only'),
    signedUntil: new Date(testClock.now() - 60_000).toISOString(),
    retireAfter: new Date(testClock.now() + 86_400_000).toISOString(),
  };

  beforeAll(async () => {
    ({ app, port } = await createGuardApp(adapter, 'global', [active, retiring]));
    own = app.get(TokenService).issue('user-42').token;
  });

  afterAll(async () => {
    await app.close();
  });

  it('gets one answer, byte for byte: the active key, a retiring key past its signedUntil, a key id the ring lacks', async () => {
    const tokens = {
      'the active key': forgedFor(own, active.id),
      'a retiring key past its signedUntil': forgedFor(own, retiring.id),
      'a key id not in the ring': forgedFor(own, generateKey().id),
    };
    const answers: Record<string, string> = {};
    for (const [kind, token] of Object.entries(tokens)) {
      answers[kind] = withoutDate((await get(port, '/me', [`Authorization: Bearer ${token}`])).raw);
    }
    const first = answers['the active key']!;
    expect(first).toMatch(/^HTTP\/1\.1 401 /);
    expect(first).toMatch(
      /^www-authenticate: Bearer error="invalid_token", error_description="invalid token signature"\r$/im,
    );
    expect(first).toContain('"code":"invalid_signature"');
    for (const answer of Object.values(answers)) expect(answer).toBe(first);
  });

  it('still answers a token of the retiring key issued before its signedUntil as a bad signature, the same way', async () => {
    testClock.advance(-120_000);
    let before: string;
    try {
      before = forgedFor(app.get(TokenService).issue('user-42').token, retiring.id);
    } finally {
      testClock.advance(120_000);
    }
    const after = forgedFor(own, retiring.id);
    const [a, b] = [
      await get(port, '/me', [`Authorization: Bearer ${before}`]),
      await get(port, '/me', [`Authorization: Bearer ${after}`]),
    ];
    expect(withoutDate(a.raw)).toBe(withoutDate(b.raw));
  });
});
