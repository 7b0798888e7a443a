import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { generateKey, KeyRing, KeyRingManager, TokenService } from 'nestjs-token-auth';
import { encodeToken } from '../../libs/token-auth/src/format/token-codec.js';
import { createGuardApp, testClock, type AdapterName } from './guard-test-app.js';
import { get, rawRequest, type ClosedResponse } from '../support/raw-http.js';

const key = generateKey();

interface BadInput {
  name: string;
  headers: () => Array<string | Buffer>;
  path?: () => string;
  code: string;
}

describe.each<AdapterName>(['express', 'fastify'])('TokenAuthGuard over HTTP on %s', (adapter) => {
  let app: INestApplication;
  let port: number;
  let tokens: TokenService;
  let valid: string;
  let other: string;

  /** Issues at a moved clock, for expired and future-dated tokens. */
  function issuedAt(offsetMs: number, ttl = 60): string {
    testClock.advance(offsetMs);
    try {
      return tokens.issue('user-42', { ttl }).token;
    } finally {
      testClock.advance(-offsetMs);
    }
  }

  function refreshToken(): string {
    const active = app.get(KeyRingManager).current.active;
    const now = testClock.now();
    return encodeToken(
      {
        purpose: 'refresh',
        keyId: active.keyIdBytes,
        tokenId: Buffer.alloc(16, 1),
        sessionId: Buffer.alloc(16, 2),
        issuedAt: now,
        expiresAt: now + 60_000,
        subject: 'user-42',
        claims: '',
      },
      active.macKeys.refresh,
    );
  }

  function unknownKeyToken(): string {
    const stranger = generateKey();
    const ring = KeyRing.from([stranger]);
    const now = testClock.now();
    return encodeToken(
      {
        purpose: 'access',
        keyId: ring.active.keyIdBytes,
        tokenId: Buffer.alloc(16, 3),
        sessionId: Buffer.alloc(16, 4),
        issuedAt: now,
        expiresAt: now + 60_000,
        subject: 'user-42',
        claims: '',
      },
      ring.active.macKeys.access,
    );
  }

  function forged(): string {
    const bytes = Buffer.from(valid.slice(5), 'base64url');
    bytes[bytes.length - 10]! ^= 0x01;
    return `nta1.${bytes.toString('base64url')}`;
  }

  function expectNoEcho(response: ClosedResponse, token: string): void {
    // A 20-character window of the token body is enough to recognise an echo of any part of it.
    expect(response.raw).not.toContain(token.slice(5, 25));
  }

  beforeAll(async () => {
    ({ app, port } = await createGuardApp(adapter, 'global', [key]));
    tokens = app.get(TokenService);
    valid = tokens.issue('user-42', { claims: { roles: ['admin'] } }).token;
    other = tokens.issue('user-43').token;
  });

  afterAll(async () => {
    await app.close();
  });

  describe('bad Authorization input: 401, an RFC 6750 challenge, a stable code, no echo', () => {
    const cases: BadInput[] = [
      { name: 'no Authorization header', headers: () => [], code: 'token_missing' },
      { name: 'an empty value', headers: () => ['Authorization: '], code: 'token_malformed' },
      {
        name: 'the Basic scheme',
        headers: () => ['Authorization: Basic dXNlcjpwYXNzd29yZA=='],
        code: 'token_malformed',
      },
      { name: 'the Token scheme', headers: () => [`Authorization: Token ${valid}`], code: 'token_malformed' },
      { name: 'Bearer with no token', headers: () => ['Authorization: Bearer'], code: 'token_malformed' },
      { name: 'Bearer and a space with no token', headers: () => ['Authorization: Bearer '], code: 'token_malformed' },
      {
        name: 'a tab between scheme and token',
        headers: () => [`Authorization: Bearer\t${valid}`],
        code: 'token_malformed',
      },
      { name: 'two tokens', headers: () => [`Authorization: Bearer ${valid} ${other}`], code: 'token_malformed' },
      {
        name: 'two tokens separated by a comma',
        headers: () => [`Authorization: Bearer ${valid},${other}`],
        code: 'token_malformed',
      },
      {
        name: 'extra text after the token',
        headers: () => [`Authorization: Bearer ${valid} please`],
        code: 'token_malformed',
      },
      {
        name: 'two Authorization headers, each valid',
        headers: () => [`Authorization: Bearer ${valid}`, `Authorization: Bearer ${other}`],
        code: 'token_malformed',
      },
      {
        name: 'a valid Authorization header and a second, empty one',
        headers: () => [`Authorization: Bearer ${valid}`, 'authorization: '],
        code: 'token_malformed',
      },
      {
        name: 'a 10 KB token',
        headers: () => [`Authorization: Bearer nta1.${'A'.repeat(10_240)}`],
        code: 'token_malformed',
      },
      {
        name: 'a header over 8 KiB that starts with a valid token',
        headers: () => [`Authorization: Bearer ${valid}${'A'.repeat(8 * 1024)}`],
        code: 'token_malformed',
      },
      {
        name: 'non-ASCII bytes (UTF-8) inside the token',
        headers: () => [
          Buffer.concat([
            Buffer.from(`Authorization: Bearer ${valid.slice(0, 30)}`),
            Buffer.from('é', 'utf8'),
            Buffer.from(valid.slice(31)),
          ]),
        ],
        code: 'token_malformed',
      },
      {
        name: 'a non-ASCII byte (0xff) after the token',
        headers: () => [Buffer.concat([Buffer.from(`Authorization: Bearer ${valid}`), Buffer.of(0xff)])],
        code: 'token_malformed',
      },
      {
        name: 'a token in the query string only',
        path: () => `/me?access_token=${valid}`,
        headers: () => [],
        code: 'token_missing',
      },
      {
        name: 'a token of another purpose (refresh)',
        headers: () => [`Authorization: Bearer ${refreshToken()}`],
        code: 'wrong_purpose',
      },
      {
        name: 'an expired token',
        headers: () => [`Authorization: Bearer ${issuedAt(-3_600_000)}`],
        code: 'token_expired',
      },
      {
        name: 'a token issued beyond the clock tolerance in the future',
        headers: () => [`Authorization: Bearer ${issuedAt(31_000)}`],
        code: 'token_not_yet_valid',
      },
      {
        name: 'a token of an unknown key',
        headers: () => [`Authorization: Bearer ${unknownKeyToken()}`],
        // Answered as a forged signature is (test/guard/key-oracle.e2e-spec.ts).
        code: 'invalid_signature',
      },
      { name: 'a forged signature', headers: () => [`Authorization: Bearer ${forged()}`], code: 'invalid_signature' },
    ];

    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, input) => {
      const path = input.path?.() ?? '/me';
      const response = await get(port, path, input.headers());
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toMatchObject({ statusCode: 401, code: input.code });
      const challenge = response.headers['www-authenticate'];
      if (input.code === 'token_missing') {
        expect(challenge).toBe('Bearer');
      } else {
        expect(challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]*"$/);
      }
      expectNoEcho(response, valid);
      expectNoEcho(response, other);
    });

    it("a header past Node's 16 KiB limit is refused by the server (431), not by a 500", async () => {
      const response = await get(port, '/me', [`Authorization: Bearer ${valid}${'A'.repeat(17 * 1024)}`]);
      expect(response.status).toBe(431);
      expectNoEcho(response, valid);
    });

    it('a NUL byte is refused by the HTTP parser (400) before any app code runs', async () => {
      const response = await get(port, '/me', [
        Buffer.concat([Buffer.from(`Authorization: Bearer ${valid}`), Buffer.of(0), Buffer.from('x')]),
      ]);
      expect(response.status).toBe(400);
      expectNoEcho(response, valid);
    });
  });

  describe('accepted Authorization input (RFC 7235: case-insensitive scheme, 1*SP)', () => {
    it.each([
      ['Bearer', (t: string) => `Authorization: Bearer ${t}`],
      ['bearer in lower case', (t: string) => `Authorization: bearer ${t}`],
      ['BEARER in upper case', (t: string) => `Authorization: BEARER ${t}`],
      ['several spaces between scheme and token', (t: string) => `Authorization: Bearer    ${t}`],
      ['a lower-case header name', (t: string) => `authorization: Bearer ${t}`],
    ])('%s', async (_, header) => {
      const response = await get(port, '/me', [header(valid)]);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({
        sub: 'user-42',
        purpose: 'access',
        claims: { roles: ['admin'] },
      });
    });
  });

  describe('routes', () => {
    it("@CurrentUser() gives the verified claims, @CurrentUser('sub') one field", async () => {
      const claims = tokens.verify(valid);
      expect(JSON.parse((await get(port, '/me', [`Authorization: Bearer ${valid}`])).body)).toEqual(claims);
      expect(JSON.parse((await get(port, '/me/sub', [`Authorization: Bearer ${other}`])).body)).toEqual({
        sub: 'user-43',
      });
    });

    it('a route guarded twice (the global guard and its own) passes a valid token and refuses a revoked one', async () => {
      const token = tokens.issue('user-9').token;
      expect(await get(port, '/me/stacked', [`Authorization: Bearer ${token}`])).toMatchObject({
        status: 200,
        body: '{"sub":"user-9"}',
      });
      await tokens.revoke(token);
      expect((await get(port, '/me/stacked', [`Authorization: Bearer ${token}`])).status).toBe(401);
      expect((await get(port, '/me/stacked')).status).toBe(401);
    });

    it('@Public() routes and controllers pass without a token', async () => {
      expect(await get(port, '/public')).toMatchObject({ status: 200, body: '{"public":true}' });
      expect(await get(port, '/public-controller')).toMatchObject({ status: 200, body: '{"user":null}' });
    });

    it('@Public() routes ignore even a bad token', async () => {
      expect((await get(port, '/public', ['Authorization: Bearer nonsense'])).status).toBe(200);
    });

    it('@OptionalAuth() passes anonymous requests, identifies signed-in ones and refuses bad tokens', async () => {
      expect(JSON.parse((await get(port, '/optional')).body)).toEqual({ sub: null });
      expect(JSON.parse((await get(port, '/optional', [`Authorization: Bearer ${valid}`])).body)).toEqual({
        sub: 'user-42',
      });
      const bad = await get(port, '/optional', [`Authorization: Bearer ${forged()}`]);
      expect(bad.status).toBe(401);
      expect(JSON.parse(bad.body)).toMatchObject({ code: 'invalid_signature' });
    });

    it('does not block a CORS preflight', async () => {
      const response = await rawRequest(
        port,
        'OPTIONS /me HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: https://app.example\r\n' +
          'Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: authorization\r\n\r\n',
      );
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['access-control-allow-methods']).toContain('GET');
    });

    it('still guards the actual cross-origin request', async () => {
      const response = await get(port, '/me', ['Origin: https://app.example']);
      expect(response.status).toBe(401);
      expect(response.headers['access-control-allow-origin']).toBe('*');
    });
  });
});

describe.each<AdapterName>(['express', 'fastify'])(
  'TokenAuthGuard per controller, module isGlobal, on %s',
  (adapter) => {
    let app: INestApplication;
    let port: number;
    let valid: string;

    beforeAll(async () => {
      ({ app, port } = await createGuardApp(adapter, 'per-controller', [key]));
      valid = app.get(TokenService).issue('user-7').token;
    });

    afterAll(async () => {
      await app.close();
    });

    it('guards the controller that asks for it', async () => {
      const anonymous = await get(port, '/guarded');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      const signedIn = await get(port, '/guarded', [`Authorization: Bearer ${valid}`]);
      expect(signedIn.status).toBe(200);
      // The feature module injected TokenService without importing TokenAuthModule.
      expect(JSON.parse(signedIn.body)).toEqual({ sub: 'user-7', kid: key.id });
    });

    it('leaves other controllers alone', async () => {
      expect(await get(port, '/open')).toMatchObject({ status: 200, body: '{"user":null}' });
      expect((await get(port, '/open', ['Authorization: Bearer nonsense'])).status).toBe(200);
    });
  },
);
