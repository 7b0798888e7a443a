import { Inject, Injectable, Logger } from '@nestjs/common';
import { TokenAuthError } from '../errors/token-auth.error.js';
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
  ) {}

  async refresh(refreshToken: string, options: PairOptions = {}): Promise<TokenPair> {
    // The store decides refresh (the replica only holds what access tokens need); the local check is a cheap extra.
    const used = this.verifier.verifyAs('refresh', refreshToken, {
      maxLifetimeMs: this.options.maxRefreshTokenTtlMs,
      checkRevocation: true,
    });
    const key = this.keys.current.get(used.kid)!;
    const now = this.issuer.now();
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
        await this.revoker.revokeSession(used.sid);
        throw new TokenAuthError('revoked_token', 'refresh token already used; its session is revoked');
    }
    const endsAt = outcome.startedAt + this.options.maxSessionLifetimeMs;
    if (now >= endsAt)
      throw new TokenAuthError('session_expired', 'session older than maxSessionLifetime; sign in again');
    if (outcome.kind === 'replayed') {
      this.logger.log(
        `refresh token presented again before its successor was used; same successor returned (session ${used.sid})`,
      );
    }
    const successor = outcome.usedAt === now ? ids : successorIds(key.successorKey, used.jti, outcome.usedAt);
    const claims = options.claims ?? { ...used.claims };
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
