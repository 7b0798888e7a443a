import type { TokenClaims } from '../format/token-claims.js';
import type { SessionDevice } from '../revocation/session-entry.js';

export interface IssueOptions {
  /** Lifetime in seconds. Default: the module's `accessTokenTtl`; at most `maxAccessTokenTtl`. */
  ttl?: number;
  /** Small claims carried in the token (roles, tenant): a JSON object of at most 1024 bytes. */
  claims?: Record<string, unknown>;
  /** Session id (base64url, 16 bytes) to continue; a new one is made when absent. */
  sessionId?: string;
  /**
   * With `sessionId`: when that session's user signed in (ms since the epoch), carried as `auth_time` for
   * `@RequireFreshLogin`. Left out, the token carries `auth_time: 0` (unknown), which no freshness check accepts.
   * Without `sessionId` the token starts a session and is its own login.
   */
  authTime?: number;
}

export interface IssuedToken {
  token: string;
  /** Seconds until expiry, as OAuth's `expires_in`. */
  expiresIn: number;
  expiresAt: Date;
  claims: TokenClaims;
}

/** What login and refresh return: an access token and a refresh token of the same session. */
export interface TokenPair {
  access: IssuedToken;
  refresh: IssuedToken;
}

export interface PairOptions {
  /** Claims of both tokens. On refresh, replaces the claims carried by the refresh token (roles changed). */
  claims?: Record<string, unknown>;
  /**
   * At login: the device signing in (user agent, a label, the client's address), each field optional, shown to the
   * user in their list of sessions; cleaned and capped (docs/security.md) and kept with the session's entry until
   * the session expires. Ignored by `refresh`, whose session keeps the login's.
   */
  device?: SessionDevice;
}
