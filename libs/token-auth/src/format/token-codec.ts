import { isUtf8 } from 'node:buffer';
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { idText } from './id-text.js';
import { ParsedClaimsTable } from './parsed-claims.js';
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
function isCanonicalBase64url(text: string, length: number): boolean {
  const tail = text.length & 3;
  if (tail === 1 || length !== (text.length * 3) >> 2) return false;
  if (text.indexOf('+') !== -1 || text.indexOf('/') !== -1 || Buffer.byteLength(text, 'utf8') !== text.length) return false;
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

/**
 * The last key id decoded, as the three numbers its 9 bytes read as. Nearly every token names the active key:
 * comparing three numbers costs less than encoding.
 */
const lastKeyId = { high: 0, middle: 0, low: -1, text: '' };

export function keyIdOf(parsed: ParsedToken): string {
  const { view } = parsed;
  const high = view.getUint32(OFFSET_KEY_ID);
  const middle = view.getUint32(OFFSET_KEY_ID + 4);
  const low = view.getUint8(OFFSET_KEY_ID + 8);
  if (high === lastKeyId.high && middle === lastKeyId.middle && low === lastKeyId.low) return lastKeyId.text;
  lastKeyId.text = parsed.bytes.toString('base64url', OFFSET_KEY_ID, OFFSET_KEY_ID + KEY_ID_BYTES);
  lastKeyId.high = high;
  lastKeyId.middle = middle;
  lastKeyId.low = low;
  return lastKeyId.text;
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

const parsedClaims = new ParsedClaimsTable();

/**
 * Only called once the tag matched. An issuer in another language may still have written something other than a
 * JSON object: that is a malformed token (401), never a parse exception (500).
 */
export function claimsOf(parsed: ParsedToken): Readonly<Record<string, unknown>> {
  if (parsed.claimsLength === 0) return NO_CLAIMS;
  const { bytes, view, bodyLength, claimsLength } = parsed;
  const start = bodyLength - claimsLength;
  const cached = parsedClaims.get(view, start, claimsLength);
  if (cached !== undefined) return cached;
  const text = strictUtf8(bytes, start, bodyLength, 'claims');
  // JSON.parse refuses a leading byte order mark today; refusing it here keeps that rule out of its hands.
  if (text.charCodeAt(0) === 0xfeff) throw new TokenAuthError('token_malformed', 'token claims start with a byte order mark');
  let claims: unknown;
  try {
    claims = JSON.parse(text);
  } catch {
    throw new TokenAuthError('token_malformed', 'token claims are not JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TokenAuthError('token_malformed', 'token claims are not a JSON object');
  }
  const frozen = deepFreeze(claims as Readonly<Record<string, unknown>>);
  parsedClaims.set(view, start, claimsLength, frozen);
  return frozen;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
