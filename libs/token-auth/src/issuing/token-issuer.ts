import { Inject, Injectable } from '@nestjs/common';
import { rejectAuthTimeClaim, withAuthTime } from '../format/auth-time.js';
import { TOKEN_ID_BYTES, type TokenPurposeName } from '../format/token-format.js';
import { KeyRingManager } from '../keys/key-ring-manager.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import { REVOCATION_STORE, type RevocationStore } from '../revocation/revocation-store.interface.js';
import type { IssuedToken, IssueOptions, PairOptions, TokenPair } from './issued-token.js';
import { NoncePool } from './nonce-pool.js';
import { signToken, type SignedFields } from './sign-token.js';

/** Signs new tokens with the ring's active key, stamped with the shared store's clock when there is one. */
@Injectable()
export class TokenIssuer {
  private readonly nonces = new NoncePool();
  /** Tokens issued from now on are not covered by the latest `revokeAllForUser` made here, even in its millisecond. */
  private notBefore = 0;

  constructor(
    @Inject(TOKEN_AUTH_OPTIONS) private readonly options: ResolvedTokenAuthOptions,
    private readonly keys: KeyRingManager,
    @Inject(REVOCATION_STORE) private readonly revocations: RevocationStore,
  ) {}

  issue(subject: string, options: IssueOptions = {}): IssuedToken {
    const ttl = options.ttl ?? this.options.accessTokenTtlMs / 1000;
    const ttlMs = ttl * 1000;
    if (!Number.isInteger(ttl) || ttlMs <= 0 || ttlMs > this.options.maxAccessTokenTtlMs) {
      throw new RangeError(`ttl must be a whole number of seconds in 1..${this.options.maxAccessTokenTtlMs / 1000}`);
    }
    if (options.authTime !== undefined && (!Number.isSafeInteger(options.authTime) || options.authTime < 0)) {
      throw new RangeError('authTime must be milliseconds since the epoch');
    }
    // A token continuing a session is not its login: it says when the login was (0: unknown, never fresh).
    const claims =
      options.sessionId === undefined ? options.claims : withAuthTime(options.claims, options.authTime ?? 0);
    if (options.sessionId === undefined) rejectAuthTimeClaim(claims);
    return this.sign('access', subject, ttlMs, { ...options, claims });
  }

  /**
   * A login's pair, both stamped with one instant: the login time, which is why they carry no `auth_time` (the
   * session's start a store records is the refresh token's issue time).
   */
  issuePair(subject: string, options: PairOptions = {}): TokenPair {
    rejectAuthTimeClaim(options.claims);
    const issuedAt = this.latestStamp();
    const access = this.sign('access', subject, this.options.accessTokenTtlMs, options, issuedAt);
    const refresh = this.sign(
      'refresh',
      subject,
      this.options.refreshTokenTtlMs,
      { ...options, sessionId: access.claims.sid },
      issuedAt,
    );
    return { access, refresh };
  }

  /** Signs with the active key; every field given, so a refreshed pair can be made again byte for byte. */
  signAt(purpose: TokenPurposeName, fields: SignedFields): IssuedToken {
    return signToken(this.keys.current.active, purpose, fields, this.nonces);
  }

  /** The time tokens are stamped with: the shared store's clock when it has one. */
  now(): number {
    return this.revocations.now?.() ?? this.options.clock();
  }

  /** The latest issue time a token signed here so far can carry (a user cut-off may have moved stamps ahead). */
  latestStamp(): number {
    return Math.max(this.now(), this.notBefore);
  }

  /** Tokens issued here from now on are stamped `time` or later: a user cut-off never covers them. */
  issueFrom(time: number): void {
    this.notBefore = Math.max(this.notBefore, time);
  }

  private sign(
    purpose: TokenPurposeName,
    subject: string,
    ttlMs: number,
    options: IssueOptions,
    issuedAt = this.latestStamp(),
  ): IssuedToken {
    return this.signAt(purpose, {
      subject,
      claims: options.claims,
      sessionId: options.sessionId,
      tokenId: this.nonces.take(TOKEN_ID_BYTES),
      issuedAt,
      expiresAt: issuedAt + ttlMs,
    });
  }
}
