import { beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { TokenAuthError, type TokenAuthErrorCode } from '../errors/token-auth.error.js';
import { ManualClock } from '../testing/manual-clock.js';
import { TokenAuthModule } from '../token-auth.module.js';
import { TokenService } from '../token.service.js';
import {
  OFFSET_KEY_ID,
  OFFSET_PURPOSE,
  OFFSET_SUBJECT,
  OFFSET_SUBJECT_LENGTH,
  OFFSET_TOKEN_ID,
} from './token-format.js';

const NOW = Date.UTC(2026, 0, 1);

function outcomeOf(tokens: TokenService, token: string): TokenAuthErrorCode | 'accepted' {
  try {
    tokens.verify(token);
    return 'accepted';
  } catch (error) {
    if (error instanceof TokenAuthError) return error.code;
    throw error;
  }
}

/** The code a flip in each region of the bytes must produce: the first verification step that can see it. */
function expectedCodes(offset: number, subjectLength: number, length: number): readonly TokenAuthErrorCode[] {
  const claimsLengthOffset = OFFSET_SUBJECT + subjectLength;
  if (offset === 0) return ['unsupported_version'];
  if (offset === OFFSET_PURPOSE) return ['wrong_purpose'];
  if (offset >= OFFSET_KEY_ID && offset < OFFSET_TOKEN_ID) return ['unknown_key'];
  // A new subject length moves where the claims length is read: almost always a layout error, but the bytes
  // read there could by chance describe a consistent layout, which the tag then refuses.
  if (offset === OFFSET_SUBJECT_LENGTH) return ['token_malformed', 'invalid_signature'];
  if (offset === claimsLengthOffset || offset === claimsLengthOffset + 1) return ['token_malformed'];
  if (offset >= length) throw new Error('offset past the end');
  // Token id, session id, times, subject, claims and the tag itself.
  return ['invalid_signature'];
}

describe('every single-bit flip of a valid token is rejected', () => {
  let tokens: TokenService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forTesting({ clock: new ManualClock(NOW) })],
    }).compile();
    tokens = moduleRef.get(TokenService);
  });

  const issued = new Map<string, string>();
  const variants: Array<[string, string, Record<string, unknown> | undefined]> = [
    ['no claims', 'user-42', undefined],
    ['claims and a multi-byte subject', 'zoë@例え.jp', { roles: ['admin', 'editor'], tenant: 'acme' }],
    ['one-byte subject', '7', { a: 1 }],
    // 96 bytes: the text has no partial last group, so one more character is a lone sextet.
    ['a byte count that is a multiple of 3', 'user-4', undefined],
  ];
  const tokenFor = (name: string, subject: string, claims?: Record<string, unknown>) => {
    if (!issued.has(name)) issued.set(name, tokens.issue(subject, { claims }).token);
    return issued.get(name)!;
  };

  describe.each(variants)('%s', (name, subject, claims) => {
    it('verifies before any flip', () => {
      expect(outcomeOf(tokens, tokenFor(name, subject, claims))).toBe('accepted');
    });

    it('rejects every flip of each bit of each character of the string', () => {
      const token = tokenFor(name, subject, claims);
      let flips = 0;
      for (let i = 0; i < token.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const flipped =
            token.slice(0, i) + String.fromCharCode(token.charCodeAt(i) ^ (1 << bit)) + token.slice(i + 1);
          const outcome = outcomeOf(tokens, flipped);
          if (outcome === 'accepted') throw new Error(`accepted a flip of bit ${bit} of character ${i}`);
          flips++;
        }
      }
      expect(flips).toBe(token.length * 8);
    });

    it('rejects the token with any one character appended, as malformed text', () => {
      const token = tokenFor(name, subject, claims);
      const characters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= .';
      const outcomes = new Set([...characters].map((character) => outcomeOf(tokens, token + character)));
      expect([...outcomes]).toEqual(['token_malformed']);
    });

    it('rejects each character replaced by one with the same low byte, which the decoder reads alike', () => {
      const token = tokenFor(name, subject, claims);
      const outcomes = new Set<string>();
      for (let i = 5; i < token.length; i++) {
        outcomes.add(
          outcomeOf(tokens, token.slice(0, i) + String.fromCharCode(token.charCodeAt(i) + 0x100) + token.slice(i + 1)),
        );
      }
      expect([...outcomes]).toEqual(['token_malformed']);
    });

    it('rejects every flip of each bit of the decoded bytes, at the step that owns the field', () => {
      const token = tokenFor(name, subject, claims);
      const bytes = Buffer.from(token.slice(5), 'base64url');
      const subjectLength = Buffer.byteLength(subject, 'utf8');
      const wrong: string[] = [];
      for (let offset = 0; offset < bytes.length; offset++) {
        for (let bit = 0; bit < 8; bit++) {
          const copy = Buffer.from(bytes);
          copy[offset]! ^= 1 << bit;
          const outcome = outcomeOf(tokens, `nta1.${copy.toString('base64url')}`);
          if (!(expectedCodes(offset, subjectLength, bytes.length) as string[]).includes(outcome)) {
            wrong.push(`byte ${offset} bit ${bit}: ${outcome}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  });
});
