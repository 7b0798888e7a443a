import type { SecurityEventSink } from '../events/security-event.js';
import type { TokenClaims } from '../format/token-claims.js';
import type { SessionEntry } from './session-entry.js';

/** The claims a revocation check reads. */
export type RevocationCheck = Pick<TokenClaims, 'jti' | 'sid' | 'sub' | 'issuedAt'>;

/** What a revocation call reports once it returns. */
export interface RevocationResult {
  /**
   * For `revokeUser`: the cut-off in force, which a shared store may have moved later than the one asked for, so
   * that it covers every token the store stamped before the revocation reached it; when not persisted, the latest
   * cut-off the store may yet hold. Tokens issued here from now on are stamped at or after it.
   */
  issuedBefore?: number;
  /**
   * `true` when every instance sharing the store will enforce it (always, for the memory store). `false` when it is
   * enforced by this instance at once but the shared store could not be reached: it is queued and written when the
   * store is back.
   */
  persisted: boolean;
}

/**
 * How long a session or user revocation matters (ms since the epoch): access-token checks need it until every
 * access token it covers has expired (`accessUntil`), refresh until every refresh token has (`refreshUntil`).
 * `accessUntil` 0: no access token is covered (a refresh token was revoked, not its session).
 */
export interface RevocationWindow {
  accessUntil: number;
  refreshUntil: number;
}

/** One refresh, as `TokenService` asks the store to record it. The store stamps it with its own clock. */
export interface SessionRotation {
  sid: string;
  sub: string;
  /** The refresh token presented. */
  jti: string;
  /** Its `issuedAt`: the session's start when the store holds no record of it yet (a login token). */
  issuedAt: number;
  /** The id its successor gets if this is its current token (derived from `jti`). */
  successorJti: string;
  /** How long the record must outlive this use (ms): every refresh token it could still answer has expired by then. */
  recordTtlMs: number;
  /**
   * Milliseconds after a token's first use during which presenting it again returns the same successor (while that
   * one is unused); later it is reuse. 0: a second use is always reuse.
   */
  replayWindowMs: number;
  /**
   * The session's maximum lifetime from its start (ms, tolerance included). Given, a store with a session index also
   * records the refresh there: last activity `usedAt`, and the entry kept until `usedAt + recordTtlMs` or the
   * session's start plus this, whichever is earlier.
   */
  sessionLifetimeMs?: number;
}

/** Who a session revocation is for: given, the session also leaves its user's index (`listSessions`). */
export interface SessionOwner {
  sub?: string;
}

/**
 * What the store decided, atomically across instances:
 * - `rotated`: first use of the session's current refresh token, at `usedAt` (the store's clock): the successor's
 *   issue time;
 * - `replayed`: the refresh token was first used at `usedAt`, within the replay window, and its successor is still
 *   unspent: the caller returns that same successor again (two tabs, a retry after a lost answer or a 503);
 * - `reused`: an older refresh token whose successor was already spent, or the last one presented again after the
 *   replay window: the store has stopped the session's rotation, and the caller revokes the session;
 * - `revoked`: the session, or every token of its user issued before this one, is revoked;
 * - `reset`: the store lost its data since this token was issued and cannot tell a spent token from a fresh one.
 */
export type RotationOutcome =
  | { kind: 'rotated' | 'replayed'; usedAt: number; startedAt: number }
  | { kind: 'reused'; startedAt: number }
  | { kind: 'revoked' | 'reset' };

/** Counts for health checks. */
export interface RevocationStoreHealth {
  store: string;
  tokens: number;
  sessions: number;
  users: number;
  /** Sessions whose rotation state this store holds in memory (memory store only; Redis holds them for the Redis store). */
  sessionRecords?: number;
  /** Shared stores only. */
  connected?: boolean;
  staleSince?: string;
  /** Past `maxStaleness` and failing closed: every token check answers `revocation_unavailable` (503). */
  refusing?: boolean;
  pendingWrites?: number;
  /**
   * Shared stores only: how far the store's clock (which stamps and checks tokens) is ahead of this instance's own,
   * in ms (negative: behind). Past the module's `clockTolerance` the instance's clock needs fixing (NTP).
   */
  clockOffsetMs?: number;
}

/**
 * Where revocations and sessions live. Two roles:
 * - access-token checks: `isRevoked` runs on every verified token, so it is synchronous and local (a map lookup).
 *   An entry is kept only while access tokens it covers can still be presented.
 * - refresh: `rotateSession` keeps one record per session (what rotation needs), decided atomically across
 *   instances; it is the only place that knows about refresh tokens and is consulted on refresh only.
 * Every entry carries an expiry (ms since the epoch) and is dropped then, so storage follows the live sessions and
 * the revocations that still matter.
 */
export interface RevocationStore {
  /** True when the access token's id, its session, or every token of its user issued before a point is revoked. */
  isRevoked(token: RevocationCheck): boolean;
  /** Revokes one access token until `expiresAt`. */
  revokeToken(jti: string, expiresAt: number): Promise<RevocationResult>;
  /**
   * Revokes every token of a session: access checks until `accessUntil`, refresh until `refreshUntil`. With
   * `owner.sub`, a store with a session index drops the session from that user's index too.
   */
  revokeSession(sid: string, window: RevocationWindow, owner?: SessionOwner): Promise<RevocationResult>;
  /**
   * Revokes every token of `sub` whose `issuedAt` is earlier than `issuedBefore`; a store with a session index drops
   * the user's sessions started before the cut-off in force.
   */
  revokeUser(sub: string, issuedBefore: number, window: RevocationWindow): Promise<RevocationResult>;
  /** Records one refresh of a session, atomically across instances. Called only on refresh, never on requests. */
  rotateSession(rotation: SessionRotation): Promise<RotationOutcome>;
  /**
   * Milliseconds since the epoch on a clock every instance sharing the store agrees on (Redis's), so that a
   * `revokeAllForUser` cut-off taken on one instance covers every token stamped before it on any other. Absent:
   * the module's `clock`.
   */
  now?(): number;
  /**
   * Spends a one-time id of an attenuated token (docs/token-format.md, section 9.3), atomically across every
   * instance sharing the store: resolves `true` for the one call that spends it, `false` for every call after, until
   * `until` (ms since the epoch: the token's expiry plus the clock tolerance), when the id may be forgotten. Rejects
   * when a shared store cannot be reached (the token is then refused with revocation_unavailable, never used twice).
   * Optional: without it, tokens with a one-time caveat are refused (caveat_unmet).
   */
  spendOnce?(id: string, until: number): Promise<boolean>;
  /**
   * Session index (optional; `TokenService.listSessions` and `revokeOtherSessions` need it, and both built-in stores
   * keep one): records a new session (a login) in its user's index. Never rejects: a shared store that cannot be
   * reached queues the write and resolves `{ persisted: false }`.
   */
  recordSession?(sub: string, entry: SessionEntry): Promise<RevocationResult>;
  /**
   * The user's sessions in the index, in one read; entries past `expiresAt` may still be among them. A shared store
   * that cannot answer throws `TokenAuthError` `revocation_unavailable`.
   */
  listSessions?(sub: string): Promise<SessionEntry[]>;
  /**
   * Drops one session from the user's index; true when it was there (the caller then revokes it). A shared store that
   * cannot answer throws `TokenAuthError` `revocation_unavailable`.
   */
  forgetSession?(sub: string, sid: string): Promise<boolean>;
  health(): RevocationStoreHealth;
  /** Called once during bootstrap, before the first request: load what the store needs. */
  start?(): Promise<void>;
  /**
   * Called once by the module, before `start`: where the store reports what it lives through (stale, recovered,
   * reset; revocations queued, written, lost) as security events. A store without it reports nothing.
   */
  observe?(sink: SecurityEventSink): void;
}

/** Injection token of the `RevocationStore` in use. */
export const REVOCATION_STORE = Symbol.for('nestjs-token-auth:revocation-store');
