import { Inject, Injectable, Logger } from '@nestjs/common';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { SecurityEventBus } from '../events/security-event-bus.js';
import { refreshOutcomeOf, TokenAuthCounters, type RefreshOutcome } from '../events/token-auth-counters.js';
import { AUTH_TIME_CLAIM, appClaimsOf, authTimeOf, withAuthTime } from '../format/auth-time.js';
import type { PairOptions, TokenPair } from '../issuing/issued-token.js';
import { TokenIssuer } from '../issuing/token-issuer.js';
import { KeyRingManager } from '../keys/key-ring-manager.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import { REVOCATION_STORE, type RevocationStore } from '../revocation/revocation-store.interface.js';
import { TokenVerifier } from '../verification/token-verifier.js';
import { successorIds } from './successor-ids.js';
import { TokenRevoker } from './token-revoker.js';

/**
 * Refresh: a refresh token for its successor pair in the same session, decided by the revocation store's rotation
 * rule (`revocation/rotation-rule.ts`, and the same rule in Lua for Redis).
 */
@Injectable()
export class SessionRefresher {
  private readonly logger = new Logger('TokenAuth');

  constructor(
    @Inject(TOKEN_AUTH_OPTIONS) private readonly options: ResolvedTokenAuthOptions,
    private readonly keys: KeyRingManager,
    private readonly issuer: TokenIssuer,
    private readonly verifier: TokenVerifier,
    private readonly revoker: TokenRevoker,
    @Inject(REVOCATION_STORE) private readonly revocations: RevocationStore,
    private readonly events: SecurityEventBus,
    private readonly counters: TokenAuthCounters,
  ) {}

  /** Counted by outcome, with its latency (`token_auth.refresh.duration`). */
  async refresh(refreshToken: string, options: PairOptions = {}): Promise<TokenPair> {
    const started = performance.now();
    const trace: { outcome?: RefreshOutcome } = {};
    try {
      return await this.rotate(refreshToken, options, trace);
    } catch (error) {
      trace.outcome ??= refreshOutcomeOf(error);
      throw error;
    } finally {
      this.counters.refresh(trace.outcome ?? 'error', (performance.now() - started) / 1000);
    }
  }

  private async rotate(
    refreshToken: string,
    options: PairOptions,
    trace: { outcome?: RefreshOutcome },
  ): Promise<TokenPair> {
    // The store decides refresh (the replica only holds what access tokens need); the local check is a cheap extra.
    const used = this.verifier.verifyAs('refresh', refreshToken, {
      maxLifetimeMs: this.options.maxRefreshTokenTtlMs,
      checkRevocation: true,
    });
    const key = this.keys.current.get(used.kid)!;
    const successor = successorIds(key.successorKey, used.jti);
    const outcome = await this.revocations.rotateSession({
      sid: used.sid,
      sub: used.sub,
      jti: used.jti,
      issuedAt: used.issuedAt,
      successorJti: successor.refresh.toString('base64url'),
      recordTtlMs: this.options.refreshTokenTtlMs + this.options.clockToleranceMs,
      replayWindowMs: this.options.refreshReplayWindowMs,
      // The session's entry in its user's index lives as long as its refresh tokens can.
      sessionLifetimeMs: this.options.maxSessionLifetimeMs + this.options.clockToleranceMs,
    });
    switch (outcome.kind) {
      case 'reset':
        throw new TokenAuthError('session_reset', 'the session store lost this session; sign in again');
      case 'revoked':
        throw new TokenAuthError('revoked_token', 'token revoked');
      case 'reused': {
        trace.outcome = 'reused';
        this.logger.warn(
          `refresh token reused (its successor was used, or it came back after the replay window); revoking session ${used.sid}`,
        );
        const revoking = performance.now();
        const { persisted } = await this.revoker.endSession(used.sid, used.sub);
        this.counters.revocation('session', persisted, (performance.now() - revoking) / 1000);
        this.events.emit({
          type: 'session.reuse_detected',
          time: this.options.clock(),
          subject: used.sub,
          sessionId: used.sid,
          reason: 'refresh_token_reused',
          persisted,
        });
        throw new TokenAuthError('revoked_token', 'refresh token already used; its session is revoked');
      }
    }
    // The store's clock stamps the pair: ordered with every revocation the store holds.
    const endsAt = outcome.startedAt + this.options.maxSessionLifetimeMs;
    if (Math.max(outcome.usedAt, this.issuer.now()) >= endsAt) {
      throw new TokenAuthError('session_expired', 'session older than maxSessionLifetime; sign in again');
    }
    if (outcome.kind === 'replayed') {
      this.logger.log(
        `refresh token presented again within the replay window; same successor returned (session ${used.sid})`,
      );
    }
    trace.outcome = outcome.kind;
    const time = this.options.clock();
    this.events.emit(
      outcome.kind === 'replayed'
        ? {
            type: 'session.refresh_replayed',
            time,
            subject: used.sub,
            sessionId: used.sid,
            reason: 'within_replay_window',
          }
        : { type: 'session.refreshed', time, subject: used.sub, sessionId: used.sid },
    );
    // The login time travels unchanged: the one the refresh token carries, or for a login's own refresh token (which
    // carries none) the session's start the store recorded; the earlier one if both (a record from before a loss).
    const carried = Object.hasOwn(used.claims, AUTH_TIME_CLAIM) ? authTimeOf(used) : outcome.startedAt;
    const claims = withAuthTime(options.claims ?? appClaimsOf(used.claims), Math.min(carried, outcome.startedAt));
    const pair = { subject: used.sub, sessionId: used.sid, issuedAt: outcome.usedAt, claims };
    return {
      access: this.issuer.signAt('access', {
        ...pair,
        tokenId: successor.access,
        expiresAt: outcome.usedAt + this.options.accessTokenTtlMs,
      }),
      refresh: this.issuer.signAt('refresh', {
        ...pair,
        tokenId: successor.refresh,
        expiresAt: Math.min(outcome.usedAt + this.options.refreshTokenTtlMs, endsAt),
      }),
    };
  }
}
