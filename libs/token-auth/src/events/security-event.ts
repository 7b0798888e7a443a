/**
 * The security events of the library: one union, discriminated by `type`, whose names are stable (an app may store
 * them, alert on them, show them to users). Every event has its `time` (ms since the epoch, on the module's clock or
 * the store's), the subject (user id) and session id where the event has one, and never a token, a key or a tag:
 * ids only (a key id is derived from its key and reveals nothing of it).
 *
 * Refused tokens are not events: a flood of forged tokens would be a flood of events. They are counted by refusal
 * code (`SecurityEvents.counters()`, and the `token_auth.verifications` metric).
 */

/** Who ended a session, as the app said when it called `revokeSession`, `revoke` or `revokeAllForUser`. */
export type RevokedBy =
  /** The user, from the session itself (logout, logout everywhere, a password change). Default. */
  | 'user'
  /** The user, from another of their sessions ("sign out that device"). */
  | 'other_session'
  /** An administrator or a back-office call. */
  | 'admin'
  /** The library: a refresh token came back after its successor was used (reuse). */
  | 'reuse_detection';

/** What a revocation covered, as the store writes it. */
export type RevocationKind = 'token' | 'session' | 'user';

interface EventBase {
  /** Milliseconds since the epoch. */
  time: number;
}

/** The device fields of a login, as the app gave them (`issuePair(subject, { device })`), cleaned and capped. */
export interface SignInDevice {
  userAgent?: string;
  label?: string;
  ip?: string;
}

/** A login: `issuePair` (or `startSession`) made a new session. */
export interface SignedInEvent extends EventBase {
  type: 'session.signed_in';
  subject: string;
  sessionId: string;
  /** The device fields the app gave at login, when it gave any. */
  device?: SignInDevice;
}

/** A refresh token was spent for its successor pair. */
export interface RefreshedEvent extends EventBase {
  type: 'session.refreshed';
  subject: string;
  sessionId: string;
}

/** A spent refresh token came back within the replay window, while its successor was unused: the same pair again. */
export interface RefreshReplayedEvent extends EventBase {
  type: 'session.refresh_replayed';
  subject: string;
  sessionId: string;
  reason: 'within_replay_window';
}

/**
 * A refresh token came back after its successor was used, or after the replay window: a stolen copy, or the victim
 * after the thief. The whole session is revoked.
 */
export interface ReuseDetectedEvent extends EventBase {
  type: 'session.reuse_detected';
  subject: string;
  sessionId: string;
  reason: 'refresh_token_reused';
  /** Whether the shared store confirmed the session's revocation (false: enforced here, queued for the store). */
  persisted: boolean;
}

/** A session was ended (logout), or a refresh token revoked, which ends its session too. */
export interface SessionRevokedEvent extends EventBase {
  type: 'session.revoked';
  sessionId: string;
  /** The user, when the caller said (`{ subject }`) or the token told. */
  subject?: string;
  by: RevokedBy;
  /** The app's reason, when it gave one (`{ reason }`); otherwise `'logout'`. */
  reason: string;
  persisted: boolean;
}

/** One access token was revoked (its session lives on). */
export interface TokenRevokedEvent extends EventBase {
  type: 'token.revoked';
  subject?: string;
  sessionId?: string;
  by: RevokedBy;
  reason: string;
  persisted: boolean;
}

/** Every token of a user issued up to now was revoked: logout everywhere, a password change, a locked account. */
export interface UserSessionsRevokedEvent extends EventBase {
  type: 'user.sessions_revoked';
  subject: string;
  by: RevokedBy;
  /** The app's reason (`{ reason: 'password_changed' }`), or `'logout_all'`. */
  reason: string;
  persisted: boolean;
}

/** The shared store did not confirm a revocation in time: enforced here at once, queued, retried. */
export interface RevocationQueuedEvent extends EventBase {
  type: 'revocation.queued';
  kind: RevocationKind;
  /** For a user's revocation. */
  subject?: string;
  /** For a session's. */
  sessionId?: string;
  /** Why it was not written (the store's error, without secrets). */
  reason: string;
}

/** A queued revocation reached the shared store: every instance enforces it from now on. */
export interface RevocationWrittenEvent extends EventBase {
  type: 'revocation.written';
  kind: RevocationKind;
  subject?: string;
  sessionId?: string;
  /** How long it waited in the queue, in ms. */
  queuedForMs: number;
}

/** The instance shut down with a queued revocation still unwritten: other instances never learn of it. */
export interface RevocationLostEvent extends EventBase {
  type: 'revocation.lost';
  kind: RevocationKind;
  subject?: string;
  sessionId?: string;
  reason: 'shutdown';
}

/** The shared store stopped answering: revocations are served from the local replica for up to `maxStaleness`. */
export interface StoreStaleEvent extends EventBase {
  type: 'store.stale';
  reason: string;
}

/** The shared store answers again and the replica is current. */
export interface StoreRecoveredEvent extends EventBase {
  type: 'store.recovered';
  /** How long the replica was stale, in ms. */
  staleForMs: number;
  /** Revocations this instance wrote back because the store lacked them. */
  writtenBack: number;
}

/**
 * The shared store lost its data (emptied, restarted from an older snapshot, failed over to a replica behind it):
 * refresh tokens issued before `since` answer `session_reset` (unless `onStoreReset: 'trust'`).
 */
export interface StoreResetEvent extends EventBase {
  type: 'store.reset';
  reason: 'data_lost';
  /** When the new epoch began (ms since the epoch, the store's clock). */
  since: number;
}

/** A background reload of the key ring succeeded. */
export interface KeyRingRefreshedEvent extends EventBase {
  type: 'key_ring.refreshed';
  source: string;
  /** The ids of the keys now in the ring (never the keys). */
  keyIds: string[];
}

/** A reload failed: the last good ring stays in use. */
export interface KeyRingRefreshFailedEvent extends EventBase {
  type: 'key_ring.refresh_failed';
  source: string;
  reason: string;
  /** Failures in a row. */
  failures: number;
}

/** No reload succeeded for `maxStaleness`: tokens are refused with `key_ring_stale` (503) until one does. */
export interface KeyRingStaleEvent extends EventBase {
  type: 'key_ring.stale';
  source: string;
  reason: string;
}

/** A reload made another key the active one: new tokens are signed with it. */
export interface KeyRotatedEvent extends EventBase {
  type: 'key.rotated';
  keyId: string;
  previousKeyId: string;
}

/** A key left the ring: tokens it signed are refused (`unknown_key`). */
export interface KeyRetiredEvent extends EventBase {
  type: 'key.retired';
  keyId: string;
}

export type SecurityEvent =
  | SignedInEvent
  | RefreshedEvent
  | RefreshReplayedEvent
  | ReuseDetectedEvent
  | SessionRevokedEvent
  | TokenRevokedEvent
  | UserSessionsRevokedEvent
  | RevocationQueuedEvent
  | RevocationWrittenEvent
  | RevocationLostEvent
  | StoreStaleEvent
  | StoreRecoveredEvent
  | StoreResetEvent
  | KeyRingRefreshedEvent
  | KeyRingRefreshFailedEvent
  | KeyRingStaleEvent
  | KeyRotatedEvent
  | KeyRetiredEvent;

export type SecurityEventType = SecurityEvent['type'];

/** Every event name, once; the type makes a new event fail to compile until it is listed. */
const TYPES: Record<SecurityEventType, true> = {
  'session.signed_in': true,
  'session.refreshed': true,
  'session.refresh_replayed': true,
  'session.reuse_detected': true,
  'session.revoked': true,
  'token.revoked': true,
  'user.sessions_revoked': true,
  'revocation.queued': true,
  'revocation.written': true,
  'revocation.lost': true,
  'store.stale': true,
  'store.recovered': true,
  'store.reset': true,
  'key_ring.refreshed': true,
  'key_ring.refresh_failed': true,
  'key_ring.stale': true,
  'key.rotated': true,
  'key.retired': true,
};

export const SECURITY_EVENT_TYPES: readonly SecurityEventType[] = Object.freeze(
  Object.keys(TYPES) as SecurityEventType[],
);

/** Where a part of the library sends its events; the module connects every part to the one bus. */
export interface SecurityEventSink {
  emit(event: SecurityEvent): void;
}
