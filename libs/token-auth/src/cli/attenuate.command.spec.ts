import { describe, expect, it } from '@jest/globals';
import { createSecretKey, randomBytes } from 'node:crypto';
import { readToken } from '../client/attenuate.js';
import { encodeToken } from '../format/token-codec.js';
import { UsageError } from './args.js';
import { attenuateCommand } from './attenuate.command.js';

const NOW = Date.UTC(2026, 0, 1);

function token(purpose: 'access' | 'refresh' = 'access'): string {
  return encodeToken(
    {
      purpose,
      keyId: randomBytes(9),
      tokenId: randomBytes(16),
      sessionId: randomBytes(16),
      issuedAt: NOW,
      expiresAt: NOW + 3_600_000,
      subject: 'user-42',
      claims: '',
    },
    createSecretKey(randomBytes(32)),
  );
}

describe('nestjs-token-auth attenuate', () => {
  it('appends every caveat it is given, the token as an argument or on stdin', async () => {
    const parent = token();
    const child = await attenuateCommand(
      [parent, '--expires-in', '600', '--methods', 'get,HEAD', '--path', '/notes/5/', '--audience', 'notes', '--once'],
      () => NOW,
    );
    expect(readToken(child)).toMatchObject({
      sub: 'user-42',
      expiresAt: NOW + 600_000,
      caveats: { methods: ['GET', 'HEAD'], pathPrefix: '/notes/5', audience: 'notes', once: [expect.any(String)] },
    });
    const fromStdin = await attenuateCommand(['--expires-at', '2026-01-01T00:05:00Z'], Date.now, () => `${parent}\n`);
    expect(readToken(fromStdin).expiresAt).toBe(NOW + 300_000);
    expect(readToken(await attenuateCommand(['--once', parent])).caveats!.once).toHaveLength(1);
  });

  it.each([
    [['--methods', 'GET'], 'a refresh token', /refresh token cannot be attenuated/],
    [[], 'no caveat', /at least one caveat/],
    [['--expires-in', '10m'], 'a duration that is not seconds', /whole number of seconds/],
    [['--expires-at', 'tomorrow'], 'a time that is not ISO 8601', /ISO 8601/],
    [['--methods', 'GET,FETCH'], 'an unknown method', /not FETCH/],
    [['--path', '/notes/../admin'], 'a path that climbs', /path prefix/],
    [['--expires-in', '1', '--expires-at', '2026-01-01T00:00:00Z'], 'two expiries', /not both/],
  ])('refuses %j (%s) with a usage error', async (options, _, message) => {
    const given = _ === 'a refresh token' ? token('refresh') : token();
    await expect(attenuateCommand([given, ...options])).rejects.toThrow(UsageError);
    await expect(attenuateCommand([given, ...options])).rejects.toThrow(message);
  });
});
