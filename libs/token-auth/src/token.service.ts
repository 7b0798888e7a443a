import { Inject, Injectable } from '@nestjs/common';
import { TokenAuthError } from './errors/token-auth.error.js';
import { NoncePool } from './format/nonce-pool.js';
import type { TokenClaims } from './format/token-claims.js';
import {
  claimsOf,
  encodeToken,
  expiresAtOf,
  issuedAtOf,
  keyIdOf,
  parseToken,
  sessionIdOf,
  subjectOf,
  tagMatches,
  tokenIdOf,
  type ParsedToken,
} from './format/token-codec.js';
import {
  MAX_CLAIMS_BYTES,
  MAX_SUBJECT_BYTES,
  SESSION_ID_BYTES,
  TOKEN_ID_BYTES,
  TokenPurpose,
  type TokenPurposeName,
} from './format/token-format.js';
import { KeyRingManager } from './keys/key-ring-manager.js';
import { TOKEN_AUTH_OPTIONS } from './token-auth.constants.js';
import type { ResolvedTokenAuthOptions } from './token-auth.options.js';

export interface IssueOptions {
  /** Lifetime in seconds. Default: the module's `accessTokenTtl`; at most `maxAccessTokenTtl`. */
  ttl?: number;
  /** Small claims carried in the token (roles, tenant): a JSON object of at most 1024 bytes. */
  claims?: Record<string, unknown>;
  /** Session id (base64url, 16 bytes) to continue; a new one is made when absent. */
  sessionId?: string;
}

export interface IssuedToken {
  token: string;
  /** Seconds until expiry, as OAuth's `expires_in`. */
  expiresIn: number;
  expiresAt: Date;
  claims: TokenClaims;
}

/** Issues and verifies tokens. `verify` is synchronous: one HMAC, one constant-time compare, no I/O. */
@Injectable()
export class TokenService {
  private readonly nonces = new NoncePool();

  constructor(
    @Inject(TOKEN_AUTH_OPTIONS) private readonly options: ResolvedTokenAuthOptions,
    private readonly keys: KeyRingManager,
  ) {}

  issue(subject: string, options: IssueOptions = {}): IssuedToken {
    const ttlMs = options.ttl === undefined ? this.options.accessTokenTtlMs : options.ttl * 1000;
    if (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > this.options.maxAccessTokenTtlMs) {
      throw new RangeError(`ttl must be a whole number of seconds in 1..${this.options.maxAccessTokenTtlMs / 1000}`);
    }
    return this.sign('access', subject, ttlMs, options);
  }

  /** Verifies an access token and returns its claims, or throws `TokenAuthError` with a stable code. */
  verify(token: string): TokenClaims {
    return this.verifyAs('access', token, this.options.maxAccessTokenTtlMs);
  }

  private sign(purpose: TokenPurposeName, subject: string, ttlMs: number, options: IssueOptions): IssuedToken {
    if (typeof subject !== 'string' || subject.length === 0 || !subject.isWellFormed()) {
      throw new TypeError('subject must be a non-empty, well-formed string');
    }
    if (Buffer.byteLength(subject, 'utf8') > MAX_SUBJECT_BYTES) {
      throw new RangeError(`subject must be at most ${MAX_SUBJECT_BYTES} bytes of UTF-8`);
    }
    const claims = encodeClaims(options.claims);
    const sessionId = options.sessionId === undefined ? this.nonces.take(SESSION_ID_BYTES) : decodeSessionId(options.sessionId);
    const key = this.keys.current.active;
    const issuedAt = this.options.clock();
    const expiresAt = issuedAt + ttlMs;
    const tokenId = this.nonces.take(TOKEN_ID_BYTES);
    const token = encodeToken(
      { purpose, keyId: key.keyIdBytes, tokenId, sessionId, issuedAt, expiresAt, subject, claims },
      key.macKeys[purpose],
    );
    return {
      token,
      expiresIn: Math.round(ttlMs / 1000),
      expiresAt: new Date(expiresAt),
      claims: {
        sub: subject,
        jti: tokenId.toString('base64url'),
        sid: sessionId.toString('base64url'),
        purpose,
        kid: key.id,
        issuedAt,
        expiresAt,
        claims: options.claims ?? {},
      },
    };
  }

  private verifyAs(purpose: TokenPurposeName, token: string, maxLifetimeMs: number): TokenClaims {
    const parsed = parseToken(token);
    if (parsed.purpose !== TokenPurpose[purpose]) {
      throw new TokenAuthError('wrong_purpose', `not an ${purpose} token`);
    }
    const kid = keyIdOf(parsed);
    const key = this.keys.current.get(kid);
    if (key === undefined) {
      this.keys.requestRefresh();
      throw new TokenAuthError('unknown_key', 'token signed with an unknown key');
    }
    if (!tagMatches(parsed, key.macKeys[purpose])) {
      throw new TokenAuthError('invalid_signature', 'invalid token signature');
    }
    const issuedAt = issuedAtOf(parsed);
    const expiresAt = expiresAtOf(parsed);
    const now = this.options.clock();
    const tolerance = this.options.clockToleranceMs;
    if (now > expiresAt + tolerance) {
      throw new TokenAuthError('token_expired', 'token expired');
    }
    if (now < issuedAt - tolerance) {
      throw new TokenAuthError('token_not_yet_valid', 'token issued in the future');
    }
    if (expiresAt <= issuedAt || expiresAt - issuedAt > maxLifetimeMs) {
      throw new TokenAuthError('invalid_lifetime', 'token lifetime exceeds the allowed maximum');
    }
    return toClaims(parsed, purpose, kid, issuedAt, expiresAt);
  }
}

function toClaims(parsed: ParsedToken, purpose: TokenPurposeName, kid: string, issuedAt: number, expiresAt: number): TokenClaims {
  return {
    sub: subjectOf(parsed),
    jti: tokenIdOf(parsed),
    sid: sessionIdOf(parsed),
    purpose,
    kid,
    issuedAt,
    expiresAt,
    claims: claimsOf(parsed),
  };
}

function encodeClaims(claims: Record<string, unknown> | undefined): Buffer {
  if (claims === undefined) return Buffer.alloc(0);
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TypeError('claims must be a plain object');
  }
  const json = Buffer.from(JSON.stringify(claims), 'utf8');
  if (json.length > MAX_CLAIMS_BYTES) {
    throw new RangeError(`claims must encode to at most ${MAX_CLAIMS_BYTES} bytes of JSON, got ${json.length}`);
  }
  return json.length === 2 ? Buffer.alloc(0) : json;
}

function decodeSessionId(sessionId: string): Buffer {
  const bytes = Buffer.from(sessionId, 'base64url');
  if (bytes.length !== SESSION_ID_BYTES || bytes.toString('base64url') !== sessionId) {
    throw new TypeError(`sessionId must be ${SESSION_ID_BYTES} bytes of base64url, as in a token's sid`);
  }
  return bytes;
}
