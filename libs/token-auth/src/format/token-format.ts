/**
 * Token format v1: `nta1.` + base64url(body || tag). See docs/token-format.md for the normative spec.
 *
 * body layout (big-endian):
 *   0   version      1   0x01
 *   1   purpose      1   0x01 access, 0x02 refresh
 *   2   key id       9   HKDF-derived from the master key
 *   11  token id    16   CSPRNG nonce
 *   27  session id  16   shared by every token descended from one login
 *   43  issued at    6   ms since the Unix epoch
 *   49  expires at   6   ms since the Unix epoch
 *   55  subject len  1   n, 1..255
 *   56  subject      n   UTF-8
 *   .   claims len   2   m, 0..1024
 *   .   claims       m   UTF-8 JSON object, absent when m = 0
 *   .   tag         32   HMAC-SHA256(purpose key, body)
 */
export const TOKEN_VERSION = 0x01;

/** The base64url alphabet (RFC 4648 section 5), in the order of the 6-bit values it spells. */
export const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export const TOKEN_PREFIX = 'nta1.';

export const TokenPurpose = { access: 0x01, refresh: 0x02 } as const;
export type TokenPurposeName = keyof typeof TokenPurpose;

export const KEY_ID_BYTES = 9;
export const TOKEN_ID_BYTES = 16;
export const SESSION_ID_BYTES = 16;
export const TIME_BYTES = 6;
export const TAG_BYTES = 32;
export const MAX_SUBJECT_BYTES = 255;
export const MAX_CLAIMS_BYTES = 1024;

export const OFFSET_PURPOSE = 1;
export const OFFSET_KEY_ID = 2;
export const OFFSET_TOKEN_ID = OFFSET_KEY_ID + KEY_ID_BYTES;
export const OFFSET_SESSION_ID = OFFSET_TOKEN_ID + TOKEN_ID_BYTES;
export const OFFSET_ISSUED_AT = OFFSET_SESSION_ID + SESSION_ID_BYTES;
export const OFFSET_EXPIRES_AT = OFFSET_ISSUED_AT + TIME_BYTES;
export const OFFSET_SUBJECT_LENGTH = OFFSET_EXPIRES_AT + TIME_BYTES;
export const OFFSET_SUBJECT = OFFSET_SUBJECT_LENGTH + 1;

/** Bytes of a token with a one-byte subject and no claims. */
export const MIN_TOKEN_BYTES = OFFSET_SUBJECT + 1 + 2 + TAG_BYTES;
export const MAX_TOKEN_BYTES = OFFSET_SUBJECT + MAX_SUBJECT_BYTES + 2 + MAX_CLAIMS_BYTES + TAG_BYTES;
export const MIN_TOKEN_LENGTH = TOKEN_PREFIX.length + Math.ceil((MIN_TOKEN_BYTES * 4) / 3);
/** The length cap checked before any decoding. */
export const MAX_TOKEN_LENGTH = TOKEN_PREFIX.length + Math.ceil((MAX_TOKEN_BYTES * 4) / 3);

/**
 * HKDF labels: one MAC key per purpose, the key id, and the key that derives a refreshed pair's token ids from the
 * refresh token used, all derived from the master key.
 */
export const HKDF_INFO = {
  keyId: 'nestjs-token-auth/v1/key-id',
  access: 'nestjs-token-auth/v1/access',
  refresh: 'nestjs-token-auth/v1/refresh',
  successor: 'nestjs-token-auth/v1/refresh-successor',
} as const;
