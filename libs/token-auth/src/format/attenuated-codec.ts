import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { bodyLengthOf, caveatCountOf } from './attenuated-layout.js';
import {
  ATTENUATED_PREFIX,
  MAX_ATTENUATED_TOKEN_BYTES,
  MAX_ATTENUATED_TOKEN_LENGTH,
  MIN_ATTENUATED_TOKEN_BYTES,
} from './caveat-format.js';
import { isCanonicalBase64url, parseToken, type ParsedToken } from './token-codec.js';
import { OFFSET_PURPOSE, OFFSET_SUBJECT, OFFSET_SUBJECT_LENGTH, TAG_BYTES, TOKEN_VERSION } from './token-format.js';

/**
 * An attenuated token that passed the structural checks (docs/token-format.md, section 9.4, steps 1 to 5): its v1
 * body read as a `ParsedToken` (so the same functions read its fields), and its caveats, which start at
 * `bodyLength`, each a length byte and that many bytes, and end where the tag starts. Nothing in it is
 * authenticated yet. Its bytes are valid until the next `parseAttenuatedToken`.
 */
export interface ParsedAttenuatedToken extends ParsedToken {
  /** Decoded bytes in all: the tag is the last TAG_BYTES of them. */
  readonly length: number;
}

/** Where attenuated tokens are decoded: one buffer, since verification is synchronous (as in token-codec.ts). */
const decoded = Buffer.allocUnsafe(MAX_ATTENUATED_TOKEN_BYTES);
const view = new DataView(decoded.buffer, decoded.byteOffset, decoded.length);

/**
 * Views of `decoded` (every parsed token's bytes), made once per length seen, since making one costs a tenth of an
 * HMAC: bodies by their length, tags by the token's.
 */
const bodyViews = new Array<Buffer | undefined>(MAX_ATTENUATED_TOKEN_BYTES);
const tagViews = new Array<Buffer | undefined>(MAX_ATTENUATED_TOKEN_BYTES + 1);

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
  if (view.getUint8(0) !== TOKEN_VERSION) {
    throw new TokenAuthError('unsupported_version', 'unsupported token version');
  }
  // At least one caveat: its length byte and one byte.
  const bodyLength = bodyLengthOf(decoded, length, 2 + TAG_BYTES);
  if (bodyLength === -1 || caveatCountOf(decoded, bodyLength, length - TAG_BYTES) === -1) {
    throw new TokenAuthError('token_malformed', 'token layout is invalid');
  }
  const subjectLength = view.getUint8(OFFSET_SUBJECT_LENGTH);
  return {
    bytes: decoded,
    view,
    purpose: view.getUint8(OFFSET_PURPOSE),
    bodyLength,
    subjectLength,
    claimsLength: bodyLength - OFFSET_SUBJECT - subjectLength - 2,
    length,
  };
}

/**
 * A link of the chain: its 32 bytes as a latin1 string (`binary`: one character per byte, the same bytes), made only
 * by `digest('binary')` here. Turned back into bytes from Buffer's pool (by `createHmac` for the next key, by
 * `Buffer.from` for the last comparison), a digest handed back as such a string costs about a tenth of an HMAC less
 * than one copied into a Buffer of its own by `digest()`. Branded, so no other string passes for one.
 */
export type ChainLink = string & { readonly chainLink: unique symbol };

/** How a link keys the next HMAC: as the bytes its characters stand for. */
const LINK_AS_KEY = { encoding: 'binary' } as const;

/** t0: the tag of the parent token, `HMAC(macKey, body)`. */
export function bodyTagOf(parsed: ParsedAttenuatedToken, macKey: KeyObject): ChainLink {
  const { bodyLength } = parsed;
  const body = (bodyViews[bodyLength] ??= parsed.bytes.subarray(0, bodyLength));
  return createHmac('sha256', macKey).update(body).digest('binary') as ChainLink;
}

/**
 * Step 8 from t0: one HMAC per caveat, each keyed with the link before it, and the last compared in constant time
 * with the token's tag. A caveat's bytes are handed to the HMAC as a plain Uint8Array view, which costs less to
 * make than a Buffer's. The token has at least one caveat (parseAttenuatedToken makes sure of it).
 */
export function chainMatches(parsed: ParsedAttenuatedToken, bodyTag: ChainLink): boolean {
  const { bytes, bodyLength, length } = parsed;
  const end = length - TAG_BYTES;
  let link = bodyTag;
  for (let at = bodyLength; at < end; at += 1 + bytes[at]!) {
    const caveat = new Uint8Array(bytes.buffer, bytes.byteOffset + at + 1, bytes[at]!);
    link = createHmac('sha256', link, LINK_AS_KEY).update(caveat).digest('binary') as ChainLink;
  }
  const tag = (tagViews[length] ??= bytes.subarray(end, length));
  return timingSafeEqual(Buffer.from(link, 'binary'), tag);
}
