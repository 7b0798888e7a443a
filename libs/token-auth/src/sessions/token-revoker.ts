import { Inject, Injectable } from '@nestjs/common';
import { TokenAuthError } from '../errors/token-auth.error.js';
import type { RevocationKind, RevokedBy, SecurityEvent } from '../events/security-event.js';
import { SecurityEventBus } from '../events/security-event-bus.js';
import { TokenAuthCounters } from '../events/token-auth-counters.js';
import type { TokenClaims } from '../format/token-claims.js';
import { parseToken } from '../format/token-codec.js';
import { TokenPurpose } from '../format/token-format.js';
import { decodeSessionId } from '../issuing/sign-token.js';
import { TokenIssuer } from '../issuing/token-issuer.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import {
  REVOCATION_STORE,
  type RevocationResult,
  type RevocationStore,
  type RevocationWindow,
} from '../revocation/revocation-store.interface.js';
import { TokenVerifier } from '../verification/token-verifier.js';

/**
 * The claims `revoke` needs, when the caller has verified claims rather than the token. With `purpose: 'refresh'`
 * and `sid` (as verified refresh-token claims carry), it ends the session's rotation.
 */
export type RevocableToken = Pick<TokenClaims, 'jti' | 'expiresAt'> &
  Partial<Pick<TokenClaims, 'purpose' | 'sid' | 'sub'>>;

/** Who asked for a revocation and why, for its security event (`session.revoked`, `user.sessions_revoked`). */
export interface RevocationContext {
  /** Default `'user'`: the user, from the session itself. `'other_session'`: from another of their sessions. */
  by?: Exclude<RevokedBy, 'reuse_detection'>;
  /** The app's reason, such as `'password_changed'`; default `'logout'` (`'logout_all'` for `revokeAllForUser`). */
  reason?: string;
}

/** Which session `revokeSession` ends: with `subject`, only one of that user's (it also leaves their index). */
export interface RevokeSessionOptions extends RevocationContext {
  /**
   * The user the session must belong to: a session not in their index (another user's, unknown, malformed or already
   * revoked) is left alone and answered `found: false`. Pass it whenever it is known (the caller's `sub` at logout),
   * so that the session also leaves the user's list of sessions at once.
   */
  subject?: string;
}

/**
 * A session named by the verified claims of one of its tokens (`@CurrentUser()`): its id and its user, which the
 * token vouches for. `revokeSession(user)` is a logout: the session leaves its user's list with no round trip first.
 */
export type VerifiedSession = Pick<TokenClaims, 'sid' | 'sub'>;

/** What `revokeSession` did. */
export interface SessionRevocationResult extends RevocationResult {
  /**
   * With `subject`: `true` when the session was one of the user's live sessions and is revoked, `false` when it was
   * not (nothing was revoked). Absent when the store could not be asked: the session is then revoked all the same,
   * here at once and on the other instances once the store is back (`persisted: false`).
   */
  found?: boolean;
}

const NOT_FOUND: SessionRevocationResult = Object.freeze({ persisted: true, found: false });

/** Whether `text` is a session id as tokens spell it. */
function isSessionId(text: unknown): text is string {
  try {
    return typeof text === 'string' && decodeSessionId(text).length > 0;
  } catch {
    return false;
  }
}

/** Retires tokens before they expire: one token, one session, or every token of a user so far. */
@Injectable()
export class TokenRevoker {
  constructor(
    @Inject(TOKEN_AUTH_OPTIONS) private readonly options: ResolvedTokenAuthOptions,
    private readonly issuer: TokenIssuer,
    private readonly verifier: TokenVerifier,
    @Inject(REVOCATION_STORE) private readonly revocations: RevocationStore,
    private readonly events: SecurityEventBus,
    private readonly counters: TokenAuthCounters,
  ) {}

  async revoke(token: string | RevocableToken, context: RevocationContext = {}): Promise<RevocationResult> {
    let claims: RevocableToken;
    if (typeof token === 'string') {
      const purpose = parseToken(token).purpose === TokenPurpose.refresh ? 'refresh' : 'access';
      try {
        claims = this.verifier.verifyAs(purpose, token, {
          maxLifetimeMs: this.maxLifetimeMs(),
          checkRevocation: false,
        });
      } catch (error) {
        if (error instanceof TokenAuthError && error.code === 'token_expired') return { persisted: true };
        throw error;
      }
    } else {
      claims = token;
    }
    const until = claims.expiresAt + this.options.clockToleranceMs;
    const started = performance.now();
    // A refresh token lives in its session's record: revoking it ends the session's rotation.
    if (claims.purpose === 'refresh' && claims.sid !== undefined) {
      const window = { accessUntil: 0, refreshUntil: until };
      const result = await this.revocations.revokeSession(claims.sid, window, { sub: claims.sub });
      this.done('session', started, result, this.sessionRevoked(claims.sid, claims.sub, context, result));
      return this.confirmed(result);
    }
    const result = await this.revocations.revokeToken(claims.jti, until);
    this.done('token', started, result, {
      type: 'token.revoked',
      time: this.options.clock(),
      ...(claims.sub !== undefined && { subject: claims.sub }),
      ...(claims.sid !== undefined && { sessionId: claims.sid }),
      by: context.by ?? 'user',
      reason: context.reason ?? 'logout',
      persisted: result.persisted,
    });
    return this.confirmed(result);
  }

  async revokeSession(
    session: string | VerifiedSession,
    options: RevokeSessionOptions = {},
  ): Promise<SessionRevocationResult> {
    const started = performance.now();
    if (typeof session !== 'string') {
      // The caller's own session, from its verified token: its user is known, nothing to ask the store first.
      const ended = await this.endSession(session.sid, session.sub);
      this.done('session', started, ended, this.sessionRevoked(session.sid, session.sub, options, ended));
      return this.confirmed(ended);
    }
    const sessionId = session;
    const { subject } = options;
    if (subject === undefined) {
      const result = await this.endSession(sessionId);
      this.done('session', started, result, this.sessionRevoked(sessionId, undefined, options, result));
      return this.confirmed(result);
    }
    if (!isSessionId(sessionId) || typeof subject !== 'string' || subject.length === 0) return NOT_FOUND;
    let found: boolean | undefined;
    if (this.revocations.forgetSession !== undefined) {
      try {
        found = await this.revocations.forgetSession(subject, sessionId);
      } catch (error) {
        // The store cannot say whose session it is: revoked anyway, like a logout, here now and queued for the rest.
        if (!(error instanceof TokenAuthError && error.code === 'revocation_unavailable')) throw error;
      }
      if (found === false) return NOT_FOUND;
    }
    const ended = await this.endSession(sessionId, subject);
    this.done('session', started, ended, this.sessionRevoked(sessionId, subject, options, ended));
    const result = this.confirmed(ended);
    return found === undefined ? result : { ...result, found };
  }

  /**
   * Revokes several sessions of one user (they leave the user's index too); persisted when all of them are. Their
   * events say `by: 'other_session'`: the user ended them from another session.
   */
  async revokeSessions(sessionIds: readonly string[], subject: string): Promise<RevocationResult> {
    const results = await Promise.all(
      sessionIds.map(async (sessionId) => {
        const started = performance.now();
        const result = await this.endSession(sessionId, subject);
        const context = { by: 'other_session' } as const;
        this.done('session', started, result, this.sessionRevoked(sessionId, subject, context, result));
        return result;
      }),
    );
    return this.confirmed({ persisted: results.every((result) => result.persisted) });
  }

  /**
   * Revokes a session whatever the store answers: for a reuse, which the store has already refused for refresh, so
   * the caller's answer is `revoked_token` either way. With `sub`, the session leaves that user's index too.
   */
  async endSession(sessionId: string, sub?: string): Promise<RevocationResult> {
    decodeSessionId(sessionId);
    return this.revocations.revokeSession(sessionId, this.coverAllUntil(), sub === undefined ? undefined : { sub });
  }

  async revokeAllForUser(userId: string, context: RevocationContext = {}): Promise<RevocationResult> {
    if (typeof userId !== 'string' || userId.length === 0) throw new TypeError('userId must be a non-empty string');
    const started = performance.now();
    // Past every token issued here so far, those stamped at an earlier cut-off included.
    const issuedBefore = this.issuer.latestStamp() + 1;
    this.issuer.issueFrom(issuedBefore);
    const result = await this.revocations.revokeUser(userId, issuedBefore, this.coverAllUntil());
    // The store may have moved the cut-off later (past every token it stamped before the revocation reached it).
    if (result.issuedBefore !== undefined) this.issuer.issueFrom(result.issuedBefore);
    this.done('user', started, result, {
      type: 'user.sessions_revoked',
      time: this.options.clock(),
      subject: userId,
      by: context.by ?? 'user',
      reason: context.reason ?? 'logout_all',
      persisted: result.persisted,
    });
    return this.confirmed(result);
  }

  /** Counts a revocation and its latency, and reports its event: whether or not it was persisted, it is in force here. */
  private done(kind: RevocationKind, started: number, result: RevocationResult, event: SecurityEvent): void {
    this.counters.revocation(kind, result.persisted, (performance.now() - started) / 1000);
    this.events.emit(event);
  }

  private sessionRevoked(
    sessionId: string,
    subject: string | undefined,
    context: RevocationContext,
    result: RevocationResult,
  ): SecurityEvent {
    return {
      type: 'session.revoked',
      time: this.options.clock(),
      sessionId,
      ...(subject !== undefined && { subject }),
      by: context.by ?? 'user',
      reason: context.reason ?? 'logout',
      persisted: result.persisted,
    };
  }

  /** With `requirePersistedRevocations`, a revocation the store did not confirm is a 503 for the client to retry. */
  private confirmed(result: RevocationResult): RevocationResult {
    if (!result.persisted && this.options.requirePersistedRevocations) {
      throw new TokenAuthError(
        'revocation_unavailable',
        'revoked on this instance, but the shared store did not confirm it in time; retry',
      );
    }
    return result;
  }

  private maxLifetimeMs(): number {
    return Math.max(this.options.maxAccessTokenTtlMs, this.options.maxRefreshTokenTtlMs);
  }

  /** When every access token and every refresh token issued up to now has expired: how long a revocation matters. */
  private coverAllUntil(): RevocationWindow {
    const now = this.issuer.now() + this.options.clockToleranceMs;
    return {
      accessUntil: now + this.options.maxAccessTokenTtlMs,
      refreshUntil: now + this.options.maxRefreshTokenTtlMs,
    };
  }
}
