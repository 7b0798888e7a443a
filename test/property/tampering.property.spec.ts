import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { TokenService } from 'nestjs-token-auth';
import { codeOf } from '../support/error-code.js';
import { createTokenService, decode, encode, outcomeOf, tokenArb } from './token-arbitraries.js';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Characters a mutation may put in: the base64url alphabet, padding, base64's own, separators, non-ASCII. */
const charArb = fc.oneof(
  fc.constantFrom(...BASE64URL.split('')),
  fc.constantFrom('=', '+', '/', '.', ' ', '\t', '\n', '\0', 'é', '\u{1F600}'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

type Mutation = (token: string) => string;

/** Every way a client can alter a token; each arbitrary yields a function of the token so it applies to any token. */
function mutationArb(tokens: TokenService): fc.Arbitrary<[string, Mutation]> {
  const at = (token: string, position: number) => position % token.length;
  return fc.oneof(
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([byte, bit]): [string, Mutation] => [
      `flip bit ${bit} of byte ${byte}`,
      (token) => {
        const bytes = decode(token);
        bytes[byte % bytes.length]! ^= 1 << bit;
        return encode(bytes);
      },
    ]),
    fc
      .tuple(fc.nat(), charArb)
      .map(([position, char]): [string, Mutation] => [
        `change char ${position} to ${JSON.stringify(char)}`,
        (token) => token.slice(0, at(token, position)) + char + token.slice(at(token, position) + 1),
      ]),
    fc
      .nat()
      .map((position): [string, Mutation] => [
        `drop char ${position}`,
        (token) => token.slice(0, at(token, position)) + token.slice(at(token, position) + 1),
      ]),
    fc
      .tuple(fc.nat(), charArb)
      .map(([position, char]): [string, Mutation] => [
        `add ${JSON.stringify(char)} at ${position}`,
        (token) => token.slice(0, position % (token.length + 1)) + char + token.slice(position % (token.length + 1)),
      ]),
    fc
      .nat()
      .map((length): [string, Mutation] => [`truncate to ${length}`, (token) => token.slice(0, length % token.length)]),
    fc
      .tuple(tokenArb(tokens), fc.constantFrom('', '.', ' ', ','))
      .map(([other, separator]): [string, Mutation] => [
        `concatenate with another token using ${JSON.stringify(separator)}`,
        (token) => token + separator + other,
      ]),
    fc.tuple(tokenArb(tokens), fc.nat()).map(([other, cut]): [string, Mutation] => [
      'splice the head of one token onto the tail of another',
      // Cut past the first character where the two differ, so the result is not simply the other token.
      (token) => {
        let differ = 0;
        while (differ < token.length && token[differ] === other[differ]) differ++;
        const at = differ + 1 + (cut % Math.max(1, token.length - differ));
        return token.slice(0, at) + other.slice(at);
      },
    ]),
    fc.constantFrom<[string, Mutation]>(
      ['upper case', (token) => token.toUpperCase()],
      ['lower case', (token) => token.toLowerCase()],
      [
        'swap case',
        (token) => [...token].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
      ],
      ['pad with =', (token) => token + '='],
      ['base64 instead of base64url', (token) => token.replace(/-/g, '+').replace(/_/g, '/')],
    ),
    fc.nat().map((position): [string, Mutation] => [
      `swap the case of char ${position}`,
      (token) => {
        const i = at(token, position);
        const c = token[i]!;
        const swapped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
        return token.slice(0, i) + swapped + token.slice(i + 1);
      },
    ]),
  );
}

describe('tampering with a valid token (property)', () => {
  let tokens: TokenService;

  beforeAll(async () => {
    tokens = await createTokenService();
  });

  it('rejects every mutation of a valid token with a TokenAuthError', () => {
    fc.assert(
      fc.property(tokenArb(tokens), mutationArb(tokens), (token, [, mutate]) => {
        const forged = mutate(token);
        fc.pre(forged !== token);
        expect(outcomeOf(tokens, token)).toBe('accepted');
        expect(outcomeOf(tokens, forged)).toBe('rejected');
      }),
      { numRuns: 3000 },
    );
  });

  it('answers a flipped bit anywhere in the signed bytes with invalid_signature or a structural code', () => {
    fc.assert(
      fc.property(tokenArb(tokens), fc.nat(), fc.integer({ min: 0, max: 7 }), (token, index, bit) => {
        const bytes = decode(token);
        const byte = index % bytes.length;
        bytes[byte]! ^= 1 << bit;
        const code = codeOf(() => tokens.verify(encode(bytes)));
        // Bytes 0-10 and the length fields are read before the MAC; any other flipped bit can only fail the tag.
        const structural = ['unsupported_version', 'wrong_purpose', 'unknown_key', 'token_malformed'];
        expect(['invalid_signature', ...structural]).toContain(code);
        if (byte >= bytes.length - 32) expect(code).toBe('invalid_signature');
      }),
      { numRuns: 2000 },
    );
  });
});
