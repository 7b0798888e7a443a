import { Injectable } from '@nestjs/common';
import type { TokenClaims } from './format/token-claims.js';
import type { IssuedToken, IssueOptions, PairOptions, TokenPair } from './issuing/issued-token.js';
import { TokenIssuer } from './issuing/token-issuer.js';
import type { RevocationResult } from './revocation/revocation-store.interface.js';
import { SessionRefresher } from './sessions/session-refresher.js';
import { TokenRevoker, type RevocableToken } from './sessions/token-revoker.js';
import { TokenVerifier } from './verification/token-verifier.js';

/**
 * Issues, verifies, refreshes and revokes tokens: the one service an app injects. Each operation lives in its own
 * folder (`issuing/`, `verification/`, `sessions/`); this class only delegates.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly issuer: TokenIssuer,
    private readonly verifier: TokenVerifier,
    private readonly refresher: SessionRefresher,
    private readonly revoker: TokenRevoker,
  ) {}

  /** An access token for `subject`, living `ttl` seconds (default `accessTokenTtl`, at most `maxAccessTokenTtl`). */
  issue(subject: string, options: IssueOptions = {}): IssuedToken {
    return this.issuer.issue(subject, options);
  }

  /**
   * Verifies an access token and returns its claims (frozen), or throws `TokenAuthError` with a stable code.
   * Synchronous: one HMAC, one constant-time compare and a revocation lookup in memory, no I/O. A token verified
   * twice before is taken from the verified-token cache, which skips decoding and the HMAC (both depend only on the
   * token's text and the key); the key ring, the clock and revocations are checked as on a first verification, by
   * the same functions, so a cached token is refused wherever a fresh one would be.
   */
  verify(token: string): TokenClaims {
    return this.verifier.verify(token);
  }

  /**
   * Login: an access token (`accessTokenTtl`) and a refresh token (`refreshTokenTtl`) sharing a new session id.
   * Every pair later refreshed from it keeps that session id: the session is the refresh-token family.
   */
  issuePair(subject: string, options: PairOptions = {}): TokenPair {
    return this.issuer.issuePair(subject, options);
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
  refresh(refreshToken: string, options: PairOptions = {}): Promise<TokenPair> {
    return this.refresher.refresh(refreshToken, options);
  }

  /**
   * Rejects one token, everywhere the store reaches, until it would have expired. Takes the token (verified
   * here first: a forged one is refused with `TokenAuthError`) or its verified claims. An expired token needs
   * nothing and resolves at once.
   */
  revoke(token: string | RevocableToken): Promise<RevocationResult> {
    return this.revoker.revoke(token);
  }

  /** Rejects every token of a session (a login and everything refreshed from it): logout. */
  revokeSession(sessionId: string): Promise<RevocationResult> {
    return this.revoker.revokeSession(sessionId);
  }

  /**
   * Rejects every token issued to the user up to now (this millisecond included); tokens issued afterwards work.
   * For "log out everywhere", a password change or a locked account. With a shared store, "now" is the store's
   * clock, on which every instance stamps its tokens, so skew between instances does not open a gap.
   */
  revokeAllForUser(userId: string): Promise<RevocationResult> {
    return this.revoker.revokeAllForUser(userId);
  }
}
