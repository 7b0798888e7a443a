import { MAX_TOKEN_BYTES, MIN_TOKEN_BYTES } from './token-format.js';

/**
 * Attenuated access tokens (docs/token-format.md, section 9): `nta1c.` + base64url(body || caveats || tag), where
 * `body` is the v1 body of the parent token unchanged, each caveat is a length byte then that many bytes (a type
 * byte and its payload), and the tag is the last link of the chain t0 = HMAC(macKey, body),
 * ti = HMAC(t(i-1), caveat i). Browser-safe: constants only, no imports beyond the v1 layout's.
 */
export const ATTENUATED_PREFIX = 'nta1c.';

/** The character that tells an attenuated token from a v1 one: `nta1c.` against `nta1.`. */
export const ATTENUATED_MARK_INDEX = 4;
export const ATTENUATED_MARK = 0x63; // 'c'

/** Caveats a token may carry, and bytes of one caveat (its type byte and payload, not its length byte). */
export const MAX_CAVEATS = 8;
export const MAX_CAVEAT_BYTES = 128;

/** The caveat types this version knows; any other type byte is refused (fail closed). */
export const CaveatType = {
  expires: 0x01,
  methods: 0x02,
  path: 0x03,
  audience: 0x04,
  once: 0x05,
} as const;
export type CaveatTypeName = keyof typeof CaveatType;

/** The methods a `methods` caveat can name, by bit (bit 0 first). Bit 7 is reserved and refused. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Bytes of a one-time caveat's id. */
export const ONCE_ID_BYTES = 16;

/** Bytes of the caveats section at most: each caveat's length byte and its bytes. */
export const MAX_CAVEATS_SECTION_BYTES = MAX_CAVEATS * (1 + MAX_CAVEAT_BYTES);
/** Decoded bytes of an attenuated token: a v1 token's, plus its caveats. */
export const MAX_ATTENUATED_TOKEN_BYTES = MAX_TOKEN_BYTES + MAX_CAVEATS_SECTION_BYTES;
/** The shortest caveat section: one caveat of one byte (a type with an empty payload; none is valid, all parse). */
export const MIN_ATTENUATED_TOKEN_BYTES = MIN_TOKEN_BYTES + 2;
/** The length cap of an attenuated token, checked before any decoding: 3 208 characters. */
export const MAX_ATTENUATED_TOKEN_LENGTH = ATTENUATED_PREFIX.length + Math.ceil((MAX_ATTENUATED_TOKEN_BYTES * 4) / 3);
