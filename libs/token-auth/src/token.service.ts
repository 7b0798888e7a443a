import { Injectable } from '@nestjs/common';
import type { TokenClaims } from './format/token-claims.js';
import type { IssuedToken, IssueOptions, PairOptions, TokenPair } from './issuing/issued-token.js';
import { TokenIssuer } from './issuing/token-issuer.js';
import type { RevocationResult } from './revocation/revocation-store.interface.js';
import { FreshLoginCheck } from './sessions/fresh-login.js';
import {
  SessionDirectory,
  type ListSessionsOptions,
  type OtherSessionsRevocation,
  type SessionInfo,
  type StartedSession,
} from './sessions/session-directory.js';
import { SessionRefresher } from './sessions/session-refresher.js';
import {
  TokenRevoker,
  type RevocableToken,
  type RevokeSessionOptions,
  type SessionRevocationResult,
  type RevocationContext,
  type VerifiedSession,
} from './sessions/token-revoker.js';
import type { VerificationFacts } from './verification/attenuated-tokens.js';
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
    private readonly directory: SessionDirectory,
    private readonly freshLogin: FreshLoginCheck,
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
   *
   * An attenuated token (`nestjs-token-auth/client`'s `attenuate`) passes its parent's checks, then its caveats
   * against `facts`: the request's method and path (this service's `audience` comes from the options). A fact left
   * out meets no caveat about it, so without `facts` only an attenuated token whose caveats are all expiries passes.
   * Its claims carry `caveats`. A one-time caveat needs `facts.spendsOnce` and then `spendOnce`, awaited before the
   * request is served, as the guard does.
   */
  verify(token: string, facts?: VerificationFacts): TokenClaims {
    return this.verifier.verify(token, facts);
  }

  /**
   * Spends the one-time ids of an attenuated token verified with `spendsOnce`, atomically across instances: resolves
   * for its first use, rejects with `revoked_token` after, `revocation_unavailable` (503) when a shared store cannot
   * answer. Resolves at once for a token without one-time caveats.
   */
  spendOnce(user: TokenClaims): Promise<void> {
    return this.verifier.spendOnce(user);
  }

  /**
   * Login: an access token (`accessTokenTtl`) and a refresh token (`refreshTokenTtl`) sharing a new session id.
   * Every pair later refreshed from it keeps that session id: the session is the refresh-token family.
   * The session is recorded in the user's index (`listSessions`) with `device`; synchronous, so the shared store's
   * write is sent and not awaited (queued and retried while the store is unreachable). To answer only once every
   * instance lists the session, use `startSession`.
   */
  issuePair(subject: string, options: PairOptions = {}): TokenPair {
    const { pair, recorded } = this.directory.start(subject, options);
    void recorded;
    return pair;
  }

  /**
   * `issuePair`, resolved once the store holds the session in the user's index: `persisted: false` when a shared
   * store could not be reached (the pair is valid all the same; the entry is written when the store is back).
   * Async where `issuePair` is not, so that a login answered here is listed at once on every instance.
   */
  async startSession(subject: string, options: PairOptions = {}): Promise<StartedSession> {
    const { pair, recorded } = this.directory.start(subject, options);
    return { ...pair, ...(await recorded) };
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
   * nothing and resolves at once. `context` (`{ by, reason }`) goes into its security event.
   */
  revoke(token: string | RevocableToken, context: RevocationContext = {}): Promise<RevocationResult> {
    return this.revoker.revoke(token, context);
  }

  /**
   * Rejects every token of a session (a login and everything refreshed from it): logout, or signing a device out.
   * Given the verified claims of one of its tokens (`@CurrentUser()`: a logout), the session also leaves its user's
   * list of sessions, with nothing asked of the store first. Given an id with `subject` (a device picked from the
   * list), only a session of that user's is revoked (`found: false` otherwise: another user's, unknown, malformed or
   * already revoked, all alike), and it leaves the list; when the store cannot be asked whose session it is, the
   * session is revoked anyway, like a logout (`persisted: false`, no `found`). An id alone revokes the session
   * everywhere, but the list keeps showing it until it expires.
   */
  revokeSession(
    session: string | VerifiedSession,
    options: RevokeSessionOptions = {},
  ): Promise<SessionRevocationResult> {
    return this.revoker.revokeSession(session, options);
  }

  /**
   * The user's live sessions (id, login, last activity, expiry, device fields, and which one is the caller's), in
   * one read of the store's index for the user (one `HGETALL` with Redis, on a Cluster too). Throws
   * `revocation_unavailable` when a shared store cannot answer.
   */
  listSessions(subject: string, options: ListSessionsOptions = {}): Promise<SessionInfo[]> {
    return this.directory.list(subject, options);
  }

  /**
   * "Sign out the other devices": revokes every live session of the user in the index but `keepSessionId`, on every
   * instance. Throws `revocation_unavailable` when a shared store cannot list them.
   */
  revokeOtherSessions(subject: string, keepSessionId: string): Promise<OtherSessionsRevocation> {
    return this.directory.revokeOthers(subject, keepSessionId);
  }

  /**
   * Step-up: throws `FreshLoginRequiredError` (`insufficient_user_authentication`, 401) when the user of these verified
   * claims signed in more than `maxAgeSeconds` ago (default: the module's `freshLoginMaxAge`). What
   * `@RequireFreshLogin()` runs in the guard; no I/O.
   */
  assertFreshLogin(user: TokenClaims, maxAgeSeconds?: number): void {
    this.freshLogin.assert(user, maxAgeSeconds);
  }

  /**
   * Rejects every token issued to the user up to now (this millisecond included); tokens issued afterwards work.
   * For "log out everywhere", a password change or a locked account. With a shared store, "now" is the store's
   * clock, on which every instance stamps its tokens, so skew between instances does not open a gap.
   * `context` goes into its security event: `{ reason: 'password_changed' }`, `{ by: 'admin' }`.
   */
  revokeAllForUser(userId: string, context: RevocationContext = {}): Promise<RevocationResult> {
    return this.revoker.revokeAllForUser(userId, context);
  }
}
