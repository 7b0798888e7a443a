import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { TokenService } from 'nestjs-token-auth';
import { claimsArb, createTokenService, subjectArb } from './token-arbitraries.js';

describe('issue then verify (property)', () => {
  let tokens: TokenService;

  beforeAll(async () => {
    tokens = await createTokenService();
  });

  it('round-trips any subject of 1..255 UTF-8 bytes and any claims object within 1024 bytes', () => {
    fc.assert(
      fc.property(subjectArb, fc.option(claimsArb, { nil: undefined }), (subject, claims) => {
        const issued = tokens.issue(subject, { claims });
        const verified = tokens.verify(issued.token);
        expect(verified).toEqual({ ...issued.claims, claims: JSON.parse(JSON.stringify(claims ?? {})) });
        expect(verified.sub).toBe(subject);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses to issue a subject that is empty, over 255 bytes or not well-formed', () => {
    const badSubject = fc.oneof(
      fc.constant(''),
      fc.string({ unit: 'binary', minLength: 256, maxLength: 400 }).filter((s) => Buffer.byteLength(s) > 255),
      fc
        .tuple(fc.string(), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string())
        .map(([a, surrogate, b]) => a + String.fromCharCode(surrogate) + b),
    );
    fc.assert(
      fc.property(badSubject, (subject) => {
        expect(() => tokens.issue(subject)).toThrow(/subject/);
      }),
      { numRuns: 200 },
    );
  });
});
