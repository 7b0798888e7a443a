import { beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { createSecretKey, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../testing/manual-clock.js';
import { TokenAuthModule } from '../token-auth.module.js';
import { TokenService } from '../token.service.js';
import { TokenVerifier } from '../verification/token-verifier.js';
import { authTimeOf } from './auth-time.js';
import { encodeToken } from './token-codec.js';
import type { TokenPurposeName } from './token-format.js';

interface AuthTimeVector {
  name: string;
  verifier: TokenPurposeName;
  fields: {
    purpose: TokenPurposeName;
    keyId: string;
    tokenId: string;
    sessionId: string;
    issuedAt: number;
    expiresAt: number;
    subject: string;
    claims: string;
  };
  token: string;
  now: number;
  expected: { claims: Record<string, unknown>; authTimeMs: number; stepUp: { maxAge: number; accepted: boolean }[] };
}

const file = new URL('../../../../docs/test-vectors/auth-time-v1.json', import.meta.url);
const vectors = JSON.parse(readFileSync(file, 'utf8')) as {
  key: { masterKey: string; keyId: string };
  vectors: AuthTimeVector[];
};

describe('auth_time test vectors (docs/test-vectors/auth-time-v1.json)', () => {
  const clock = new ManualClock(0);
  let tokens: TokenService;
  let verifier: TokenVerifier;
  const master = Buffer.from(vectors.key.masterKey, 'hex');

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenAuthModule.forTesting({
          // Raw key bytes, as the vectors give them (a provider that allows them, on releases that ask).
          keyProvider: Object.assign(
            {
              description: 'auth_time vectors',
              load: async () => [{ id: vectors.key.keyId, key: master, state: 'active' as const }],
            },
            { allowRawKeys: true },
          ),
          clock,
        }),
      ],
    }).compile();
    tokens = moduleRef.get(TokenService);
    verifier = moduleRef.get(TokenVerifier);
  });

  describe.each(vectors.vectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    it('is reproduced byte for byte by encodeToken', () => {
      const { fields } = vector;
      const macKey = Buffer.from(
        hkdfSync('sha256', master, Buffer.alloc(0), `nestjs-token-auth/v1/${fields.purpose}`, 32),
      );
      const token = encodeToken(
        {
          purpose: fields.purpose,
          keyId: Buffer.from(fields.keyId, 'base64url'),
          tokenId: Buffer.from(fields.tokenId, 'hex'),
          sessionId: Buffer.from(fields.sessionId, 'hex'),
          issuedAt: fields.issuedAt,
          expiresAt: fields.expiresAt,
          subject: fields.subject,
          claims: fields.claims,
        },
        createSecretKey(macKey),
      );
      expect(token).toBe(vector.token);
    });

    it('verifies, and reads the expected login time; step-up accepts it exactly where expected', () => {
      clock.set(vector.now);
      const claims =
        vector.verifier === 'access'
          ? tokens.verify(vector.token)
          : verifier.verifyAs('refresh', vector.token, { maxLifetimeMs: 2_592_000_000, checkRevocation: false });
      expect(claims.claims).toEqual(vector.expected.claims);
      expect(authTimeOf(claims)).toBe(vector.expected.authTimeMs);
      for (const { maxAge, accepted } of vector.expected.stepUp) {
        const check = () => tokens.assertFreshLogin(claims, maxAge);
        if (accepted) expect(check).not.toThrow();
        else expect(check).toThrow(expect.objectContaining({ code: 'insufficient_user_authentication', maxAge }));
      }
    });
  });
});
