import { encodeClaims } from '../format/claims-json.js';
import { encodeToken } from '../format/token-codec.js';
import { MAX_SUBJECT_BYTES, SESSION_ID_BYTES, type TokenPurposeName } from '../format/token-format.js';
import type { RingKey } from '../keys/key-ring.js';
import type { IssuedToken } from './issued-token.js';
import type { NoncePool } from './nonce-pool.js';

/** Everything a signed token carries. */
export interface SignedFields {
  subject: string;
  claims: Record<string, unknown> | undefined;
  sessionId: string | undefined;
  tokenId: Buffer;
  issuedAt: number;
  expiresAt: number;
}

/** Signs with `key`; every field given, so a refreshed pair can be made again byte for byte. */
export function signToken(
  key: RingKey,
  purpose: TokenPurposeName,
  fields: SignedFields,
  nonces: NoncePool,
): IssuedToken {
  const { subject, tokenId, issuedAt, expiresAt } = fields;
  if (typeof subject !== 'string' || subject.length === 0 || !subject.isWellFormed()) {
    throw new TypeError('subject must be a non-empty, well-formed string');
  }
  if (Buffer.byteLength(subject, 'utf8') > MAX_SUBJECT_BYTES) {
    throw new RangeError(`subject must be at most ${MAX_SUBJECT_BYTES} bytes of UTF-8`);
  }
  const claims = encodeClaims(fields.claims);
  const sessionId = fields.sessionId === undefined ? nonces.take(SESSION_ID_BYTES) : decodeSessionId(fields.sessionId);
  const token = encodeToken(
    { purpose, keyId: key.keyIdBytes, tokenId, sessionId, issuedAt, expiresAt, subject, claims },
    key.macKeys[purpose],
  );
  return {
    token,
    expiresIn: Math.round((expiresAt - issuedAt) / 1000),
    expiresAt: new Date(expiresAt),
    claims: {
      sub: subject,
      jti: tokenId.toString('base64url'),
      sid: fields.sessionId ?? sessionId.toString('base64url'),
      purpose,
      kid: key.id,
      issuedAt,
      expiresAt,
      claims: fields.claims ?? {},
    },
  };
}

/** The 16 bytes of a session id given as text: exactly the base64url a token's `sid` is spelled in. */
export function decodeSessionId(sessionId: string): Buffer {
  const bytes = Buffer.from(sessionId, 'base64url');
  if (bytes.length !== SESSION_ID_BYTES || bytes.toString('base64url') !== sessionId) {
    throw new TypeError(`sessionId must be ${SESSION_ID_BYTES} bytes of base64url, as in a token's sid`);
  }
  return bytes;
}
