import fc from 'fast-check';
import { Test } from '@nestjs/testing';
import { TOKEN_PREFIX, TokenAuthError, TokenAuthModule, TokenService } from 'nestjs-token-auth';

const MAX_SUBJECT_BYTES = 255;
const MAX_CLAIMS_BYTES = 1024;

export async function createTokenService(): Promise<TokenService> {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forTesting()],
  }).compile();
  return moduleRef.get(TokenService);
}

/** Keeps whole code points while the UTF-8 length stays within `maxBytes`. */
function clipToBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const codePoint of text) {
    bytes += Buffer.byteLength(codePoint, 'utf8');
    if (bytes > maxBytes) break;
    end += codePoint.length;
  }
  return text.slice(0, end);
}

/** Any well-formed subject of 1..255 UTF-8 bytes: ASCII, any code point (astral included), graphemes, the limits. */
export const subjectArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 255 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 255 }),
    fc.constantFrom('a'.repeat(255), '\u{1F600}'.repeat(63) + 'abc', 'é'.repeat(127) + 'x', '\0', '\u{10FFFF}'),
  )
  .map((text) => clipToBytes(text, MAX_SUBJECT_BYTES));

/** Any JSON object whose encoding fits the 1024-byte claims limit. */
export const claimsArb: fc.Arbitrary<Record<string, unknown>> = fc
  .dictionary(fc.string({ unit: 'binary', maxLength: 20 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 })
  .filter((claims) => Buffer.byteLength(JSON.stringify(claims), 'utf8') <= MAX_CLAIMS_BYTES);

/** A valid access token made by `tokens` from a random subject and claims. */
export function tokenArb(tokens: TokenService): fc.Arbitrary<string> {
  return fc
    .tuple(subjectArb, fc.option(claimsArb, { nil: undefined }))
    .map(([subject, claims]) => tokens.issue(subject, { claims }).token);
}

export function decode(token: string): Buffer {
  return Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url');
}

export function encode(bytes: Buffer): string {
  return TOKEN_PREFIX + bytes.toString('base64url');
}

/** What `verify` threw: a `TokenAuthError`, something else (a bug), or nothing (an accepted token). */
export function outcomeOf(tokens: TokenService, input: unknown): 'rejected' | 'accepted' | string {
  try {
    tokens.verify(input as string);
    return 'accepted';
  } catch (error) {
    return error instanceof TokenAuthError ? 'rejected' : `threw ${String(error)}`;
  }
}
