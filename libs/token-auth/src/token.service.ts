import type { KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { VerifiedTokenCache } from './cache/verified-token-cache.js';
import { TokenAuthError } from './errors/token-auth.error.js';
import { NoncePool } from './format/nonce-pool.js';
import { decodeSessionId, signToken, type SignedFields } from './format/signed-token.js';
import type { TokenClaims } from './format/token-claims.js';
import {
  claimsOf,
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
import { TOKEN_ID_BYTES, TokenPurpose, type TokenPurposeName } from './format/token-format.js';
import type { KeyRing } from './keys/key-ring.js';
import { KeyRingManager } from './keys/key-ring-manager.js';
import { successorIds } from './refresh/successor-ids.js';
import {
  REVOCATION_STORE,
  type RevocationResult,
  type RevocationStore,
  type RevocationWindow,
} from './revocation/revocation-store.interface.js';
import { TOKEN_AUTH_OPTIONS } from './token-auth.constants.js';
import type { ResolvedTokenAuthOptions } from './token-auth.options.js';
import type { IssuedToken, IssueOptions, PairOptions, RevocableToken, TokenPair } from './token.types.js';

/**
 * Issues, verifies, refreshes and revokes tokens. `verify` is synchronous: one HMAC, one constant-time compare
 * and a revocation lookup in memory, no I/O.
 */
@Injectable()
export class TokenService {
  private readonly nonces = new NoncePool();
  private readonly logger = new Logger('TokenAuth');
  /** Tokens issued from now on are not covered by the latest `revokeAllForUser` made here, even in its millisecond. */
  private notBefore = 0;
  /** Access tokens that passed `verify` twice; undefined with `verifyCache: false`. */
  private readonly verified?: VerifiedTokenCache;

  constructor(
    @Inject(TOKEN_AUTH_OPTIONS) private readonly options: ResolvedTokenAuthOptions,
    private readonly keys: KeyRingManager,
    @Inject(REVOCATION_STORE) private readonly revocations: RevocationStore,
  ) {
    if (options.verifyCache !== false) this.verified = new VerifiedTokenCache(options.verifyCache);
  }

  issue(subject: string, options: IssueOptions = {}): IssuedToken {
    const ttl = options.ttl ?? this.options.accessTokenTtlMs / 1000;
    const ttlMs = ttl * 1000;
    if (!Number.isInteger(ttl) || ttlMs <= 0 || ttlMs > this.options.maxAccessTokenTtlMs) {
      throw new RangeError(`ttl must be a whole number of seconds in 1..${this.options.maxAccessTokenTtlMs / 1000}`);
    }
    return this.sign('access', subject, ttlMs, options);
  }

  /**
   * Verifies an access token and returns its claims (frozen), or throws `TokenAuthError` with a stable code.
   * A token verified twice before is taken from the verified-token cache (its second verification cached it), which
   * skips decoding and the HMAC (both depend only on the token's text and the key); the key ring, the clock and
   * revocations are checked as on a first verification, by the same functions, so a cached token is refused wherever
   * a fresh one would be.
   */
  verify(token: string): TokenClaims {
    const maxLifetimeMs = this.options.maxAccessTokenTtlMs;
    const claims = this.verified?.get(token);
    if (claims !== undefined) {
      const ring = this.keys.current;
      // Cached under this ring: the tag matched one of its keys. Whether the ring still accepts that key is asked
      // again. Under a reloaded or rotated ring the token is verified from its bytes, and caching it clears the rest.
      if (ring === this.verified!.ring) {
        const now = this.options.clock();
        this.acceptedKey(ring, claims.kid, 'access', claims.issuedAt, now);
        this.checkLifetime(claims.issuedAt, claims.expiresAt, maxLifetimeMs, now);
        this.checkNotRevoked(claims);
        return claims;
      }
    }
    return this.verifyAs('access', token, maxLifetimeMs, true, this.verified);
  }

  /**
   * Login: an access token (`accessTokenTtl`) and a refresh token (`refreshTokenTtl`) sharing a new session id.
   * Every pair later refreshed from it keeps that session id: the session is the refresh-token family.
   */
  issuePair(subject: string, options: PairOptions = {}): TokenPair {
    const access = this.sign('access', subject, this.options.accessTokenTtlMs, options);
    const refresh = this.sign('refresh', subject, this.options.refreshTokenTtlMs, { ...options, sessionId: access.claims.sid });
    return { access, refresh };
  }

  /**
   * Rotation: verifies the refresh token, records its use in the store and returns its successor pair in the same
   * session. The successor is derived from the token used and the time of its first use, so presenting the same
   * refresh token again (two tabs, a retry after a 503 or a lost answer) returns the same successor while that one is
   * unused; once the successor has been used, the old token is a reuse and revokes the whole session (RFC 9700
   * section 4.14.2). Throws `TokenAuthError`: a bad or revoked refresh token, `session_expired` past
   * `maxSessionLifetime`, `session_reset` when the store lost the session's record, or `revocation_unavailable`
   * when a shared store cannot be reached.
   */
  async refresh(refreshToken: string, options: PairOptions = {}): Promise<TokenPair> {
    // The store decides refresh (the replica only holds what access tokens need); the local check is a cheap extra.
    const used = this.verifyAs('refresh', refreshToken, this.options.maxRefreshTokenTtlMs);
    const key = this.keys.current.get(used.kid)!;
    const now = this.now();
    const ids = successorIds(key.successorKey, used.jti, now);
    const outcome = await this.revocations.rotateSession({
      sid: used.sid,
      sub: used.sub,
      jti: used.jti,
      issuedAt: used.issuedAt,
      successorJti: ids.refresh.toString('base64url'),
      now,
      expiresAt: now + this.options.refreshTokenTtlMs + this.options.clockToleranceMs,
    });
    switch (outcome.kind) {
      case 'reset':
        throw new TokenAuthError('session_reset', 'the session store lost this session; sign in again');
      case 'revoked':
        throw new TokenAuthError('revoked_token', 'token revoked');
      case 'reused':
        this.logger.warn(`refresh token reused after its successor was used; revoking session ${used.sid}`);
        await this.revokeSession(used.sid);
        throw new TokenAuthError('revoked_token', 'refresh token already used; its session is revoked');
    }
    const endsAt = outcome.startedAt + this.options.maxSessionLifetimeMs;
    if (now >= endsAt) throw new TokenAuthError('session_expired', 'session older than maxSessionLifetime; sign in again');
    if (outcome.kind === 'replayed') {
      this.logger.log(`refresh token presented again before its successor was used; same successor returned (session ${used.sid})`);
    }
    const successor = outcome.usedAt === now ? ids : successorIds(key.successorKey, used.jti, outcome.usedAt);
    const claims = options.claims ?? { ...used.claims };
    const pair = { subject: used.sub, sessionId: used.sid, issuedAt: outcome.usedAt, claims };
    return {
      access: this.signAt('access', { ...pair, tokenId: successor.access, expiresAt: outcome.usedAt + this.options.accessTokenTtlMs }),
      refresh: this.signAt('refresh', {
        ...pair,
        tokenId: successor.refresh,
        expiresAt: Math.min(outcome.usedAt + this.options.refreshTokenTtlMs, endsAt),
      }),
    };
  }

  /**
   * Rejects one token, everywhere the store reaches, until it would have expired. Takes the token (verified
   * here first: a forged one is refused with `TokenAuthError`) or its verified claims. An expired token needs
   * nothing and resolves at once.
   */
  async revoke(token: string | RevocableToken): Promise<RevocationResult> {
    let claims: RevocableToken;
    if (typeof token === 'string') {
      const purpose = parseToken(token).purpose === TokenPurpose.refresh ? 'refresh' : 'access';
      try {
        claims = this.verifyAs(purpose, token, this.maxLifetimeMs(), false);
      } catch (error) {
        if (error instanceof TokenAuthError && error.code === 'token_expired') return { persisted: true };
        throw error;
      }
    } else {
      claims = token;
    }
    const until = claims.expiresAt + this.options.clockToleranceMs;
    // A refresh token lives in its session's record: revoking it ends the session's rotation.
    if (claims.purpose === 'refresh' && claims.sid !== undefined) {
      return this.revocations.revokeSession(claims.sid, { accessUntil: 0, refreshUntil: until });
    }
    return this.revocations.revokeToken(claims.jti, until);
  }

  /** Rejects every token of a session (a login and everything refreshed from it): logout. */
  async revokeSession(sessionId: string): Promise<RevocationResult> {
    decodeSessionId(sessionId);
    return this.revocations.revokeSession(sessionId, this.coverAllUntil());
  }

  /**
   * Rejects every token issued to the user up to now (this millisecond included); tokens issued afterwards work.
   * For "log out everywhere", a password change or a locked account. With a shared store, "now" is the store's
   * clock, on which every instance stamps its tokens, so skew between instances does not open a gap.
   */
  async revokeAllForUser(userId: string): Promise<RevocationResult> {
    if (typeof userId !== 'string' || userId.length === 0) throw new TypeError('userId must be a non-empty string');
    const issuedBefore = this.now() + 1;
    this.notBefore = Math.max(this.notBefore, issuedBefore);
    return this.revocations.revokeUser(userId, issuedBefore, this.coverAllUntil());
  }

  private maxLifetimeMs(): number {
    return Math.max(this.options.maxAccessTokenTtlMs, this.options.maxRefreshTokenTtlMs);
  }

  /** When every access token and every refresh token issued up to now has expired: how long a revocation matters. */
  private coverAllUntil(): RevocationWindow {
    const now = this.options.clock() + this.options.clockToleranceMs;
    return { accessUntil: now + this.options.maxAccessTokenTtlMs, refreshUntil: now + this.options.maxRefreshTokenTtlMs };
  }

  /** The time tokens are stamped with: the shared store's clock when it has one. */
  private now(): number {
    return this.revocations.now?.() ?? this.options.clock();
  }

  private sign(purpose: TokenPurposeName, subject: string, ttlMs: number, options: IssueOptions): IssuedToken {
    const issuedAt = Math.max(this.now(), this.notBefore);
    return this.signAt(purpose, {
      subject,
      claims: options.claims,
      sessionId: options.sessionId,
      tokenId: this.nonces.take(TOKEN_ID_BYTES),
      issuedAt,
      expiresAt: issuedAt + ttlMs,
    });
  }

  /** Signs with the active key. */
  private signAt(purpose: TokenPurposeName, fields: SignedFields): IssuedToken {
    return signToken(this.keys.current.active, purpose, fields, this.nonces);
  }

  private verifyAs(
    purpose: TokenPurposeName,
    token: string,
    maxLifetimeMs: number,
    checkRevocation = true,
    cache?: VerifiedTokenCache,
  ): TokenClaims {
    const parsed = parseToken(token);
    if (parsed.purpose !== TokenPurpose[purpose]) {
      throw new TokenAuthError('wrong_purpose', `not an ${purpose} token`);
    }
    const kid = keyIdOf(parsed);
    const issuedAt = issuedAtOf(parsed);
    const ring = this.keys.current;
    // One clock reading for every check of this verification.
    const now = this.options.clock();
    const macKey = this.acceptedKey(ring, kid, purpose, issuedAt, now);
    if (!tagMatches(parsed, macKey)) {
      throw new TokenAuthError('invalid_signature', 'invalid token signature');
    }
    const expiresAt = expiresAtOf(parsed);
    this.checkLifetime(issuedAt, expiresAt, maxLifetimeMs, now);
    const claims = toClaims(parsed, purpose, kid, issuedAt, expiresAt);
    if (checkRevocation) this.checkNotRevoked(claims);
    cache?.add(token, claims, ring);
    return claims;
  }

  /**
   * The MAC key of the ring key a token names, if the ring accepts it now for a token of this purpose issued then
   * (not retired, and not issued after the key stopped signing): the one decision every verification asks.
   */
  private acceptedKey(ring: KeyRing, kid: string, purpose: TokenPurposeName, issuedAt: number, now: number): KeyObject {
    const macKey = ring.keyFor(kid, purpose, issuedAt, now, this.options.clockToleranceMs);
    if (macKey === undefined) {
      this.keys.requestRefresh();
      throw new TokenAuthError('unknown_key', 'token signed with an unknown or retired key');
    }
    return macKey;
  }

  /** Expiry and issue time against the clock, with the tolerance, and the lifetime against its maximum. */
  private checkLifetime(issuedAt: number, expiresAt: number, maxLifetimeMs: number, now: number): void {
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
  }

  /** Last, so only authentic, unexpired tokens reach the store; it may throw revocation_unavailable. */
  private checkNotRevoked(claims: TokenClaims): void {
    if (this.revocations.isRevoked(claims)) {
      throw new TokenAuthError('revoked_token', 'token revoked');
    }
  }
}

/** Frozen: the cache hands the same object to every request carrying the token. */
function toClaims(parsed: ParsedToken, purpose: TokenPurposeName, kid: string, issuedAt: number, expiresAt: number): TokenClaims {
  return Object.freeze({
    sub: subjectOf(parsed),
    jti: tokenIdOf(parsed),
    sid: sessionIdOf(parsed),
    purpose,
    kid,
    issuedAt,
    expiresAt,
    claims: claimsOf(parsed),
  });
}
