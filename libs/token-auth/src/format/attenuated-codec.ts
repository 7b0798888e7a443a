import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { attenuatedLayout } from './attenuated-layout.js';
import {
  ATTENUATED_PREFIX,
  MAX_ATTENUATED_TOKEN_BYTES,
  MAX_ATTENUATED_TOKEN_LENGTH,
  MIN_ATTENUATED_TOKEN_BYTES,
} from './caveat-format.js';
import { decodeCaveat, type Caveat } from './caveats.js';
import { isCanonicalBase64url, parseToken, type ParsedToken } from './token-codec.js';
import { OFFSET_PURPOSE, TAG_BYTES, TOKEN_VERSION } from './token-format.js';

/**
 * An attenuated token that passed the structural checks (docs/token-format.md, section 9.4, steps 1 to 5): its v1
 * body read as a `ParsedToken` (so the same functions read its fields), and where its caveats lie. Nothing in it is
 * authenticated yet. Its bytes are valid until the next `parseAttenuatedToken`.
 */
export interface ParsedAttenuatedToken extends ParsedToken {
  readonly caveatStarts: readonly number[];
  readonly caveatLengths: readonly number[];
  /** Decoded bytes in all: the tag is the last TAG_BYTES of them. */
  readonly length: number;
}

/** Where attenuated tokens are decoded: one buffer, since verification is synchronous (as in token-codec.ts). */
const decoded = Buffer.allocUnsafe(MAX_ATTENUATED_TOKEN_BYTES);
const view = new DataView(decoded.buffer, decoded.byteOffset, decoded.length);

/**
 * Steps 0 to 5 for an attenuated token: length cap, prefix, canonical base64url, version, and the layout of the body,
 * the caveats and the tag. Text that is not an attenuated token gets the answer a v1 token would.
 */
export function parseAttenuatedToken(token: unknown): ParsedAttenuatedToken {
  if (typeof token !== 'string' || token.length === 0) {
    throw new TokenAuthError('token_missing', 'no token');
  }
  if (token.length > MAX_ATTENUATED_TOKEN_LENGTH) {
    throw new TokenAuthError('token_malformed', 'token too long');
  }
  if (!token.startsWith(ATTENUATED_PREFIX)) {
    parseToken(token);
    throw new TokenAuthError('token_malformed', 'not a token');
  }
  const encoded = token.slice(ATTENUATED_PREFIX.length);
  const length = decoded.write(encoded, 'base64url');
  if (length < MIN_ATTENUATED_TOKEN_BYTES || !isCanonicalBase64url(encoded, length)) {
    throw new TokenAuthError('token_malformed', 'token is not canonical base64url');
  }
  if (decoded[0] !== TOKEN_VERSION) {
    throw new TokenAuthError('unsupported_version', 'unsupported token version');
  }
  const layout = attenuatedLayout(decoded, length);
  if (layout === undefined) {
    throw new TokenAuthError('token_malformed', 'token layout is invalid');
  }
  return { bytes: decoded, view, purpose: decoded[OFFSET_PURPOSE]!, length, ...layout };
}

/** t0: the tag of the parent token, `HMAC(macKey, body)`. */
export function bodyTagOf(parsed: ParsedAttenuatedToken, macKey: KeyObject): Buffer {
  return createHmac('sha256', macKey).update(parsed.bytes.subarray(0, parsed.bodyLength)).digest();
}

/**
 * Step 8 from t0: one HMAC per caveat, each keyed with the link before it, and the last compared in constant time
 * with the token's tag.
 */
export function chainMatches(parsed: ParsedAttenuatedToken, bodyTag: Buffer): boolean {
  const { bytes, caveatStarts, caveatLengths, length } = parsed;
  let link = bodyTag;
  for (let i = 0; i < caveatStarts.length; i++) {
    const start = caveatStarts[i]!;
    link = createHmac('sha256', link)
      .update(bytes.subarray(start, start + caveatLengths[i]!))
      .digest();
  }
  return timingSafeEqual(link, bytes.subarray(length - TAG_BYTES, length));
}

/** The caveats, read once the chain matched; a CaveatFormatError for an unknown type or a malformed payload. */
export function caveatsOf(parsed: ParsedAttenuatedToken): Caveat[] {
  const { bytes, caveatStarts, caveatLengths } = parsed;
  return caveatStarts.map((start, i) => decodeCaveat(bytes, start, caveatLengths[i]!));
}
