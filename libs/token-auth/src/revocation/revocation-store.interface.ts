import type { TokenClaims } from '../format/token-claims.js';

/** The claims a revocation check reads. */
export type RevocationCheck = Pick<TokenClaims, 'jti' | 'sid' | 'sub' | 'issuedAt'>;

/** What a revocation call reports once it returns. */
export interface RevocationResult {
  /**
   * `true` when every instance sharing the store will enforce it (always, for the memory store). `false` when it is
   * enforced by this instance at once but the shared store could not be reached: it is queued and written when the
   * store is back.
   */
  persisted: boolean;
}

/** Counts for health checks. */
export interface RevocationStoreHealth {
  store: string;
  tokens: number;
  sessions: number;
  users: number;
  /** Refresh tokens already used, kept to detect reuse. */
  usedRefreshTokens?: number;
  /** Shared stores only. */
  connected?: boolean;
  staleSince?: string;
  pendingWrites?: number;
}

/**
 * Where revocations live. `isRevoked` runs on every verified token, so it must be synchronous and local (a map
 * lookup); writes may go over the network. Every entry carries an expiry (ms since the epoch) after which the
 * tokens it covers are expired anyway, and is dropped then, so storage is bounded by the live revocations.
 */
export interface RevocationStore {
  /** True when the token id, its session, or every token of its user issued before a point in time is revoked. */
  isRevoked(token: RevocationCheck): boolean;
  revokeToken(jti: string, expiresAt: number): Promise<RevocationResult>;
  revokeSession(sid: string, expiresAt: number): Promise<RevocationResult>;
  /** Revokes every token of `sub` whose `issuedAt` is earlier than `issuedBefore`. */
  revokeUser(sub: string, issuedBefore: number, expiresAt: number): Promise<RevocationResult>;
  /**
   * Marks a refresh token as used, atomically across instances. Returns `undefined` on its first use, or the time
   * of the first use when it was already used. Called only on refresh, never on ordinary requests.
   */
  useRefreshToken(jti: string, usedAt: number, expiresAt: number): Promise<number | undefined>;
  health(): RevocationStoreHealth;
  /** Called once during bootstrap, before the first request: load what the store needs. */
  start?(): Promise<void>;
}

/** Injection token of the `RevocationStore` in use. */
export const REVOCATION_STORE = Symbol.for('nestjs-token-auth:revocation-store');
