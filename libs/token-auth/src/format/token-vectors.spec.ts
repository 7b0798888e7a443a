import { beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { KeyRing, type KeyState } from '../keys/key-ring.js';
import { StaticKeyProvider } from '../keys/static.key-provider.js';
import { TokenAuthModule } from '../token-auth.module.js';
import { ManualClock } from '../testing/manual-clock.js';
import { TokenService } from '../token.service.js';
import { encodeToken } from './token-codec.js';
import { MAX_TOKEN_LENGTH, type TokenPurposeName } from './token-format.js';

interface VectorKey {
  name: string;
  state: KeyState;
  inRing: boolean;
  masterKey: string;
  keyId: string;
  accessMacKey: string;
  refreshMacKey: string;
  keyText: string;
  ringEntry: string;
}
interface VectorFields {
  purpose: TokenPurposeName;
  keyId: string;
  tokenId: string;
  sessionId: string;
  issuedAt: number;
  expiresAt: number;
  subject: string;
  claims: string;
}
/** The verifier a vector is for: an access-token verifier unless it says `refresh`. */
type VerifierName = 'access' | 'refresh';
interface ValidVector {
  name: string;
  verifier?: VerifierName;
  key: string;
  fields: VectorFields;
  bodyHex: string;
  tagHex: string;
  token: string;
  now: number;
  expected: Record<string, unknown>;
}
interface InvalidVector {
  name: string;
  verifier?: VerifierName;
  token: string;
  now: number;
  error: string;
  key?: string;
  fields?: VectorFields;
}
interface Vectors {
  verifier: {
    clockToleranceMs: number;
    maxLifetimeMs: number;
    maxTokenLength: number;
    refresh: { maxLifetimeMs: number };
  };
  keys: VectorKey[];
  valid: ValidVector[];
  invalid: InvalidVector[];
}

const root = new URL('../../../../', import.meta.url);
const file = new URL('docs/test-vectors/token-v1.json', root);
const text = readFileSync(file, 'utf8');
const vectors = JSON.parse(text) as Vectors;
const keyNamed = (name: string): VectorKey => vectors.keys.find((key) => key.name === name)!;

function encode(fields: VectorFields, key: VectorKey): string {
  return encodeToken(
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
    createSecretKey(Buffer.from(fields.purpose === 'access' ? key.accessMacKey : key.refreshMacKey, 'hex')),
  );
}

describe('token format v1 test vectors (docs/test-vectors/token-v1.json)', () => {
  const clock = new ManualClock(0);
  let tokens: TokenService;

  beforeAll(async () => {
    const ring = vectors.keys
      .filter((key) => key.inRing)
      .map((key) => ({ id: key.keyId, key: key.keyText, state: key.state }));
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenAuthModule.forTesting({
          keyProvider: new StaticKeyProvider(ring),
          clock,
          clockTolerance: vectors.verifier.clockToleranceMs / 1000,
          maxAccessTokenTtl: vectors.verifier.maxLifetimeMs / 1000,
          maxRefreshTokenTtl: vectors.verifier.refresh.maxLifetimeMs / 1000,
        }),
      ],
    }).compile();
    tokens = moduleRef.get(TokenService);
  });

  it('cover every error code reachable without revocation', () => {
    expect(new Set(vectors.invalid.map((v) => v.error))).toEqual(
      new Set([
        'token_missing',
        'token_malformed',
        'unsupported_version',
        'wrong_purpose',
        'unknown_key',
        'invalid_signature',
        'token_expired',
        'token_not_yet_valid',
        'invalid_lifetime',
      ]),
    );
    expect(vectors.verifier.maxTokenLength).toBe(MAX_TOKEN_LENGTH);
  });

  it.each(vectors.keys.map((key) => [key.name, key] as const))('key %s derives its id and MAC keys', (_, key) => {
    const raw = { id: key.keyId, key: Buffer.from(key.masterKey, 'hex'), state: 'active' as const };
    const ring = KeyRing.from([{ ...raw, key: key.keyText }]);
    const derived = ring.get(key.keyId)!;
    expect(derived.macKeys.access.export().toString('hex')).toBe(key.accessMacKey);
    expect(derived.macKeys.refresh.export().toString('hex')).toBe(key.refreshMacKey);
    const fromRaw = KeyRing.from([raw], { allowRawKeys: true }).get(key.keyId)!;
    expect(fromRaw.macKeys.access.export()).toEqual(derived.macKeys.access.export());
    expect(key.ringEntry).toBe(`${key.keyId}:${key.keyText}`);
  });

  describe.each(vectors.valid.map((v) => [v.name, v] as const))('valid: %s', (_, vector) => {
    it('is reproduced byte for byte by encodeToken', () => {
      const token = encode(vector.fields, keyNamed(vector.key));
      expect(token).toBe(vector.token);
      expect(Buffer.from(token.slice(5), 'base64url').toString('hex')).toBe(vector.bodyHex + vector.tagHex);
    });

    it('verifies to the expected claims', async () => {
      clock.set(vector.now);
      if (vector.verifier === 'refresh') {
        // A refresh verifier answers with a new pair of the same user, session and claims.
        const { sub, sid, claims } = vector.expected;
        expect((await tokens.refresh(vector.token)).refresh.claims).toMatchObject({
          sub,
          sid,
          claims,
          purpose: 'refresh',
        });
      } else {
        expect(tokens.verify(vector.token)).toEqual(vector.expected);
      }
    });
  });

  describe.each(vectors.invalid.map((v) => [v.name, v.error, v] as const))('invalid: %s', (_, error, vector) => {
    if (vector.fields) {
      it('is reproduced byte for byte by encodeToken', () => {
        expect(encode(vector.fields!, keyNamed(vector.key!))).toBe(vector.token);
      });
    }

    it(`is rejected with ${error}`, async () => {
      clock.set(vector.now);
      let thrown: unknown;
      try {
        if (vector.verifier === 'refresh') await tokens.refresh(vector.token);
        else tokens.verify(vector.token);
      } catch (caught) {
        thrown = caught;
      }
      expect(thrown).toBeInstanceOf(TokenAuthError);
      expect((thrown as TokenAuthError).code).toBe(error);
      expect((thrown as TokenAuthError).message).not.toContain(vector.token.slice(5, 25) || '\0');
    });
  });
});
