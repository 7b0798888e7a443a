import { beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { attenuate, type CaveatInput } from '../client/attenuate.js';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { StaticKeyProvider } from '../keys/static.key-provider.js';
import { ManualClock } from '../testing/manual-clock.js';
import { TokenAuthModule } from '../token-auth.module.js';
import { TokenService } from '../token.service.js';
import { bodyTagOf, chainMatches, parseAttenuatedToken } from './attenuated-codec.js';
import { attenuatedLayout } from './attenuated-layout.js';
import { MAX_ATTENUATED_TOKEN_LENGTH, MAX_CAVEAT_BYTES, MAX_CAVEATS } from './caveat-format.js';

interface Request {
  method: string;
  path: string;
}
interface ValidVector {
  name: string;
  parent: string;
  caveats: CaveatInput[];
  caveatsHex: string[];
  linksHex: string[];
  token: string;
  request: Request;
  now: number;
  expected: Record<string, unknown>;
}
interface InvalidVector {
  name: string;
  token: string;
  request: Request;
  now: number;
  error: string;
}
interface Vectors {
  verifier: {
    clockToleranceMs: number;
    maxLifetimeMs: number;
    audience: string;
    maxCaveats: number;
    maxCaveatBytes: number;
    maxTokenLength: number;
  };
  keys: { name: string; inRing: boolean; masterKey: string; keyId: string; accessMacKey: string }[];
  valid: ValidVector[];
  appended: { from: string; caveat: CaveatInput; token: string };
  invalid: InvalidVector[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../../docs/test-vectors/attenuated-v1.json', import.meta.url), 'utf8'),
) as Vectors;
const keyA = vectors.keys.find((key) => key.name === 'A')!;

describe('attenuated token test vectors (docs/test-vectors/attenuated-v1.json)', () => {
  const clock = new ManualClock(0);
  let tokens: TokenService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenAuthModule.forTesting({
          keyProvider: new StaticKeyProvider(
            [{ id: keyA.keyId, key: Buffer.from(keyA.masterKey, 'hex'), state: 'active' }],
            { allowRawKeys: true },
          ),
          clock,
          clockTolerance: vectors.verifier.clockToleranceMs / 1000,
          maxAccessTokenTtl: vectors.verifier.maxLifetimeMs / 1000,
          audience: vectors.verifier.audience,
        }),
      ],
    }).compile();
    tokens = moduleRef.get(TokenService);
  });

  it('assume the limits of this implementation', () => {
    expect(vectors.verifier).toMatchObject({
      maxCaveats: MAX_CAVEATS,
      maxCaveatBytes: MAX_CAVEAT_BYTES,
      maxTokenLength: MAX_ATTENUATED_TOKEN_LENGTH,
    });
  });

  describe.each(vectors.valid.map((v) => [v.name, v] as const))('valid: %s', (_, vector) => {
    it('is made byte for byte by attenuate from its parent', async () => {
      expect(await attenuate(vector.parent, vector.caveats)).toBe(vector.token);
    });

    it('has the chain the vector lists', () => {
      const parsed = parseAttenuatedToken(vector.token);
      const t0 = bodyTagOf(parsed, createSecretKey(Buffer.from(keyA.accessMacKey, 'hex')));
      expect(Buffer.from(t0, 'latin1').toString('hex')).toBe(vector.linksHex[0]);
      expect(chainMatches(parsed, t0)).toBe(true);
      const { caveatStarts } = attenuatedLayout(parsed.bytes, parsed.length)!;
      // Each caveat's length byte comes just before it.
      expect(
        caveatStarts.map((start) => parsed.bytes.toString('hex', start, start + parsed.bytes[start - 1]!)),
      ).toEqual(vector.caveatsHex);
    });

    it('verifies against its request, with the caveats expected', () => {
      clock.set(vector.now);
      const claims = tokens.verify(vector.token, { ...vector.request, spendsOnce: true });
      const { expiresAt, ...caveats } = vector.expected;
      expect(claims.caveats).toMatchObject(caveats);
      expect(claims.expiresAt).toBe(expiresAt);
    });
  });

  it('appending a caveat to an attenuated token gives the token of all its caveats', async () => {
    expect(await attenuate(vectors.appended.from, [vectors.appended.caveat])).toBe(vectors.appended.token);
  });

  describe.each(vectors.invalid.map((v) => [v.name, v.error, v] as const))('invalid: %s', (_, error, vector) => {
    it(`is refused with ${error}`, () => {
      clock.set(vector.now);
      let thrown: unknown;
      try {
        tokens.verify(vector.token, { ...vector.request, spendsOnce: true });
      } catch (caught) {
        thrown = caught;
      }
      expect(thrown).toBeInstanceOf(TokenAuthError);
      expect((thrown as TokenAuthError).code).toBe(error);
    });
  });
});
