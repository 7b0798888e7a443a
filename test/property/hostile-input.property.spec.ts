import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_TOKEN_LENGTH, TOKEN_PREFIX, type TokenService } from 'nestjs-token-auth';
import { codeOf } from '../support/error-code.js';
import { createTokenService, decode, encode, outcomeOf } from './token-arbitraries.js';

describe('hostile input to verify (property)', () => {
  let tokens: TokenService;
  let keyIdBytes: Buffer;

  beforeAll(async () => {
    tokens = await createTokenService();
    keyIdBytes = decode(tokens.issue('u').token).subarray(2, 11);
  });

  it('answers any string with a TokenAuthError', () => {
    const anyString = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 600 }),
      fc.string({ unit: 'binary-ascii', maxLength: 600 }),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.string({ unit: fc.constantFrom(...'nta1.ABCabc012-_=+/ \0'.split('')), maxLength: 600 }),
      fc.string({ maxLength: 600 }).map((rest) => TOKEN_PREFIX + rest),
      fc.tuple(fc.nat({ max: 99 }), fc.string({ maxLength: 400 })).map(([version, rest]) => `nta${version}.${rest}`),
    );
    fc.assert(
      fc.property(anyString, (input) => {
        expect(outcomeOf(tokens, input)).toBe('rejected');
      }),
      { numRuns: 3000 },
    );
  });

  it('answers any byte sequence, decoded as latin1, UTF-8 or base64url after the prefix, with a TokenAuthError', () => {
    const decoded = fc
      .tuple(
        fc.uint8Array({ maxLength: 1500 }),
        fc.constantFrom('latin1', 'utf8', 'prefixed-base64url', 'prefixed-latin1'),
      )
      .map(([bytes, how]) => {
        const buffer = Buffer.from(bytes);
        if (how === 'prefixed-base64url') return encode(buffer);
        if (how === 'prefixed-latin1') return TOKEN_PREFIX + buffer.toString('latin1');
        return buffer.toString(how as BufferEncoding);
      });
    fc.assert(
      fc.property(decoded, (input) => {
        expect(outcomeOf(tokens, input)).toBe('rejected');
      }),
      { numRuns: 3000 },
    );
  });

  it('answers a well-formed token with this ring’s key id but a random body and tag with invalid_signature', () => {
    const forged = fc
      .tuple(
        fc.uint8Array({ minLength: 44, maxLength: 44 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
        fc.option(fc.json({ maxDepth: 2 }), { nil: undefined }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
      )
      .map(([middle, subject, claimsJson, tag]) => {
        const subjectBytes = Buffer.from(subject, 'utf8');
        const claims = Buffer.from(claimsJson ?? '', 'utf8');
        const length = Buffer.alloc(2);
        length.writeUInt16BE(claims.length);
        // version 1, purpose access, the real key id, then token id, session id and times from random bytes.
        return encode(
          Buffer.concat([
            Buffer.from([1, 1]),
            keyIdBytes,
            middle,
            Buffer.from([subjectBytes.length]),
            subjectBytes,
            length,
            claims,
            tag,
          ]),
        );
      })
      .filter((token) => token.length <= MAX_TOKEN_LENGTH);
    fc.assert(
      fc.property(forged, (token) => {
        expect(codeOf(() => tokens.verify(token))).toBe('invalid_signature');
      }),
      { numRuns: 2000 },
    );
  });

  it('answers very long strings with token_malformed before decoding them', () => {
    const long = fc
      .oneof(
        fc.integer({ min: MAX_TOKEN_LENGTH + 1, max: 2_000_000 }).map((n) => TOKEN_PREFIX + 'A'.repeat(n)),
        fc.string({ unit: 'binary', minLength: MAX_TOKEN_LENGTH + 1, maxLength: MAX_TOKEN_LENGTH + 5000 }),
        fc.integer({ min: 1, max: 1000 }).map((copies) => TOKEN_PREFIX + tokens.issue('u').token.repeat(copies + 1)),
      )
      .filter((input) => input.length > MAX_TOKEN_LENGTH);
    fc.assert(
      fc.property(long, (input) => {
        expect(() => tokens.verify(input)).toThrow(expect.objectContaining({ code: 'token_malformed' }) as never);
      }),
      { numRuns: 100 },
    );
  });

  it('answers any non-string value with a TokenAuthError', () => {
    fc.assert(
      fc.property(
        fc.anything().filter((value) => typeof value !== 'string'),
        (value) => {
          expect(outcomeOf(tokens, value)).toBe('rejected');
        },
      ),
      { numRuns: 500 },
    );
  });
});
