import type { TokenClaims } from '../format/token-claims.js';

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

/** What login and refresh return: an access token and a refresh token of the same session. */
export interface TokenPair {
  access: IssuedToken;
  refresh: IssuedToken;
}

export interface PairOptions {
  /** Claims of both tokens. On refresh, replaces the claims carried by the refresh token (roles changed). */
  claims?: Record<string, unknown>;
}
