import { isUtf8 } from 'node:buffer';
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { TokenAuthError } from '../errors/token-auth.error.js';
import {
  BASE64URL_ALPHABET,
  KEY_ID_BYTES,
  MAX_CLAIMS_BYTES,
  MAX_TOKEN_BYTES,
  MAX_TOKEN_LENGTH,
  MIN_TOKEN_BYTES,
  OFFSET_EXPIRES_AT,
  OFFSET_ISSUED_AT,
  OFFSET_KEY_ID,
  OFFSET_PURPOSE,
  OFFSET_SESSION_ID,
  OFFSET_SUBJECT,
  OFFSET_SUBJECT_LENGTH,
  OFFSET_TOKEN_ID,
  SESSION_ID_BYTES,
  TAG_BYTES,
  TIME_BYTES,
  TOKEN_ID_BYTES,
  TOKEN_PREFIX,
  TOKEN_VERSION,
  TokenPurpose,
  type TokenPurposeName,
} from './token-format.js';

/** Everything a token carries, in binary form, as `encodeToken` takes it. */
export interface TokenFields {
  purpose: TokenPurposeName;
  keyId: Buffer;
  tokenId: Buffer;
  sessionId: Buffer;
  issuedAt: number;
  expiresAt: number;
  subject: string;
  /** JSON text of the claims object, or the empty string for none. */
  claims: string;
}

/**
 * A token that passed the structural checks; nothing in it is authenticated yet. Its bytes are valid until the
 * next `parseToken`: read every field needed before calling out.
 */
export interface ParsedToken {
  /** A shared buffer whose first `bodyLength + TAG_BYTES` bytes are the token's. */
  readonly bytes: Buffer;
  /** The same bytes read as numbers: V8 compiles a DataView read to a load, where a Buffer index costs several. */
  readonly view: DataView;
  readonly purpose: number;
  readonly bodyLength: number;
  readonly subjectLength: number;
  readonly claimsLength: number;
}

const VERSIONED_PREFIX = /^nta[0-9]+\./;

export function encodeToken(fields: TokenFields, macKey: KeyObject): string {
  const subjectLength = Buffer.byteLength(fields.subject, 'utf8');
  const claimsLength = Buffer.byteLength(fields.claims, 'utf8');
  const claimsOffset = OFFSET_SUBJECT + subjectLength + 2;
  const bodyLength = claimsOffset + claimsLength;
  const bytes = Buffer.allocUnsafe(bodyLength + TAG_BYTES);
  bytes[0] = TOKEN_VERSION;
  bytes[OFFSET_PURPOSE] = TokenPurpose[fields.purpose];
  fields.keyId.copy(bytes, OFFSET_KEY_ID, 0, KEY_ID_BYTES);
  fields.tokenId.copy(bytes, OFFSET_TOKEN_ID, 0, TOKEN_ID_BYTES);
  fields.sessionId.copy(bytes, OFFSET_SESSION_ID, 0, SESSION_ID_BYTES);
  bytes.writeUIntBE(fields.issuedAt, OFFSET_ISSUED_AT, TIME_BYTES);
  bytes.writeUIntBE(fields.expiresAt, OFFSET_EXPIRES_AT, TIME_BYTES);
  bytes[OFFSET_SUBJECT_LENGTH] = subjectLength;
  bytes.write(fields.subject, OFFSET_SUBJECT, 'utf8');
  bytes.writeUInt16BE(claimsLength, claimsOffset - 2);
  bytes.write(fields.claims, claimsOffset, 'utf8');
  createHmac('sha256', macKey).update(bytes.subarray(0, bodyLength)).digest().copy(bytes, bodyLength);
  return TOKEN_PREFIX + bytes.toString('base64url');
}

/**
 * Where every token is decoded. Verification is synchronous and reads each field before it returns, so one buffer
 * serves all calls and no buffer is allocated per token. Longer text than a token can hold decodes short of it
 * and is refused as not canonical.
 */
const decoded = Buffer.allocUnsafe(MAX_TOKEN_BYTES);
const view = new DataView(decoded.buffer, decoded.byteOffset, decoded.length);

/**
 * Views of `decoded` for each body length seen: the body the tag covers and the tag. Made once per length, since
 * making a view costs a tenth of the HMAC and tokens of one app come in a few lengths.
 */
const bodyViews = new Array<Buffer | undefined>(MAX_TOKEN_BYTES);
const tagViews = new Array<Buffer | undefined>(MAX_TOKEN_BYTES);

/** The value of each base64url character, by character code (-1 for any other). */
const BASE64URL_VALUES = Int8Array.from({ length: 128 }, (_, code) =>
  BASE64URL_ALPHABET.indexOf(String.fromCharCode(code)),
);

/**
 * Whether `text`, which the decoder read as `length` bytes, is the one spelling of those bytes: what re-encoding
 * them and comparing would tell, without making a second string. The decoder skips characters outside its
 * alphabets and stops at padding (then fewer bytes come out than the text's length promises), takes base64's `+`
 * and `/`, reads only the low byte of a character above U+00FF, and ignores the bits of the last character that
 * fall past the last byte.
 */
export function isCanonicalBase64url(text: string, length: number): boolean {
  const tail = text.length & 3;
  if (tail === 1 || length !== (text.length * 3) >> 2) return false;
  if (text.indexOf('+') !== -1 || text.indexOf('/') !== -1 || Buffer.byteLength(text, 'utf8') !== text.length)
    return false;
  // 2 characters past the last group carry 1 byte (4 spare bits), 3 carry 2 (2 spare bits).
  const spareBits = tail === 2 ? 0b1111 : tail === 3 ? 0b11 : 0;
  return (BASE64URL_VALUES[text.charCodeAt(text.length - 1)]! & spareBits) === 0;
}

/** Steps 1-3 of verification: length cap, prefix, canonical base64url, version and layout. */
export function parseToken(token: unknown): ParsedToken {
  if (typeof token !== 'string' || token.length === 0) {
    throw new TokenAuthError('token_missing', 'no token');
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new TokenAuthError('token_malformed', 'token too long');
  }
  if (!token.startsWith(TOKEN_PREFIX)) {
    throw VERSIONED_PREFIX.test(token)
      ? new TokenAuthError('unsupported_version', 'unsupported token version')
      : new TokenAuthError('token_malformed', 'not a token');
  }
  const encoded = token.slice(TOKEN_PREFIX.length);
  const bytes = decoded;
  const length = bytes.write(encoded, 'base64url');
  if (length < MIN_TOKEN_BYTES || !isCanonicalBase64url(encoded, length)) {
    throw new TokenAuthError('token_malformed', 'token is not canonical base64url');
  }
  if (view.getUint8(0) !== TOKEN_VERSION) {
    throw new TokenAuthError('unsupported_version', 'unsupported token version');
  }
  const subjectLength = view.getUint8(OFFSET_SUBJECT_LENGTH);
  const claimsLengthOffset = OFFSET_SUBJECT + subjectLength;
  if (subjectLength === 0 || claimsLengthOffset + 2 + TAG_BYTES > length) {
    throw new TokenAuthError('token_malformed', 'token layout is invalid');
  }
  const claimsLength = view.getUint16(claimsLengthOffset);
  const bodyLength = claimsLengthOffset + 2 + claimsLength;
  if (claimsLength > MAX_CLAIMS_BYTES || bodyLength + TAG_BYTES !== length) {
    throw new TokenAuthError('token_malformed', 'token layout is invalid');
  }
  return { bytes, view, purpose: view.getUint8(OFFSET_PURPOSE), bodyLength, subjectLength, claimsLength };
}

/** The key id's 9 bytes as text. */
export function keyIdText(parsed: ParsedToken): string {
  return parsed.bytes.toString('base64url', OFFSET_KEY_ID, OFFSET_KEY_ID + KEY_ID_BYTES);
}

/** Step 5: constant-time comparison of the tag with the one the key computes. */
export function tagMatches(parsed: ParsedToken, macKey: KeyObject): boolean {
  const { bodyLength } = parsed;
  const body = (bodyViews[bodyLength] ??= decoded.subarray(0, bodyLength));
  const tag = (tagViews[bodyLength] ??= decoded.subarray(bodyLength, bodyLength + TAG_BYTES));
  return timingSafeEqual(createHmac('sha256', macKey).update(body).digest(), tag);
}

export function issuedAtOf(parsed: ParsedToken): number {
  return timeAt(parsed.view, OFFSET_ISSUED_AT);
}

export function expiresAtOf(parsed: ParsedToken): number {
  return timeAt(parsed.view, OFFSET_EXPIRES_AT);
}

/** A 6-byte big-endian time (TIME_BYTES). */
function timeAt(view: DataView, offset: number): number {
  return view.getUint16(offset) * 2 ** 32 + view.getUint32(offset + 2);
}

/**
 * The UTF-8 text of `bytes[start, end)`, or `token_malformed` when those bytes are not valid UTF-8: a lossy decode
 * would give several byte strings one meaning (`61 ff` and `61 fe` both read "a\uFFFD"). The decoder writes
 * U+FFFD for every invalid sequence, so the full check runs only on text containing one.
 */
function strictUtf8(bytes: Buffer, start: number, end: number, field: string): string {
  const text = bytes.toString('utf8', start, end);
  if (text.includes('\uFFFD') && !isUtf8(bytes.subarray(start, end))) {
    throw new TokenAuthError('token_malformed', `token ${field} is not valid UTF-8`);
  }
  return text;
}

export function subjectOf(parsed: ParsedToken): string {
  return strictUtf8(parsed.bytes, OFFSET_SUBJECT, OFFSET_SUBJECT + parsed.subjectLength, 'subject');
}

export function tokenIdOf(parsed: ParsedToken): string {
  return idText(parsed.view, OFFSET_TOKEN_ID);
}

export function sessionIdOf(parsed: ParsedToken): string {
  return idText(parsed.view, OFFSET_SESSION_ID);
}

const NO_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The claims object, deeply frozen. Only called once the tag matched. An issuer in another language may still have
 * written something other than a JSON object: that is a malformed token (401), never a parse exception (500).
 */
export function parseClaims(parsed: ParsedToken): Readonly<Record<string, unknown>> {
  if (parsed.claimsLength === 0) return NO_CLAIMS;
  const { bytes, bodyLength, claimsLength } = parsed;
  const text = strictUtf8(bytes, bodyLength - claimsLength, bodyLength, 'claims');
  // JSON.parse refuses a leading byte order mark today; refusing it here keeps that rule out of its hands.
  if (text.charCodeAt(0) === 0xfeff)
    throw new TokenAuthError('token_malformed', 'token claims start with a byte order mark');
  let claims: unknown;
  try {
    claims = JSON.parse(text);
  } catch {
    throw new TokenAuthError('token_malformed', 'token claims are not JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TokenAuthError('token_malformed', 'token claims are not a JSON object');
  }
  return deepFreeze(claims as Readonly<Record<string, unknown>>);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The base64url alphabet as character codes. */
const ALPHABET = Uint8Array.from(BASE64URL_ALPHABET, (c) => c.charCodeAt(0));

/**
 * The base64url text of the 16 bytes at `offset` (a token or session id), as `toString('base64url')` spells them,
 * in one string allocation: Buffer's encoder is a call into C++ that costs more than encoding 16 bytes here.
 */
export function idText(view: DataView, offset: number): string {
  const a = ALPHABET;
  // Five groups of 3 bytes make 4 characters each; the last byte makes 2.
  const w0 = (view.getUint16(offset) << 8) | view.getUint8(offset + 2);
  const w1 = (view.getUint16(offset + 3) << 8) | view.getUint8(offset + 5);
  const w2 = (view.getUint16(offset + 6) << 8) | view.getUint8(offset + 8);
  const w3 = (view.getUint16(offset + 9) << 8) | view.getUint8(offset + 11);
  const w4 = (view.getUint16(offset + 12) << 8) | view.getUint8(offset + 14);
  const last = view.getUint8(offset + 15);
  // prettier-ignore
  return String.fromCharCode(
    a[w0 >>> 18]!, a[(w0 >>> 12) & 63]!, a[(w0 >>> 6) & 63]!, a[w0 & 63]!,
    a[w1 >>> 18]!, a[(w1 >>> 12) & 63]!, a[(w1 >>> 6) & 63]!, a[w1 & 63]!,
    a[w2 >>> 18]!, a[(w2 >>> 12) & 63]!, a[(w2 >>> 6) & 63]!, a[w2 & 63]!,
    a[w3 >>> 18]!, a[(w3 >>> 12) & 63]!, a[(w3 >>> 6) & 63]!, a[w3 & 63]!,
    a[w4 >>> 18]!, a[(w4 >>> 12) & 63]!, a[(w4 >>> 6) & 63]!, a[w4 & 63]!,
    a[last >>> 2]!, a[(last & 3) << 4]!,
  );
}
