import type { SecurityEvent } from 'nestjs-token-auth';

/** What the activity log shows a user about their account. */
export type ActivityKind =
  | 'signed_in'
  | 'reuse_detected'
  | 'signed_out'
  | 'device_signed_out'
  | 'signed_out_by_admin'
  | 'signed_out_everywhere'
  | 'password_changed';

/** The device a sign-in came from, as the app gave it at login (the library cleans and caps it). */
export interface ActivityDevice {
  userAgent?: string;
  label?: string;
  ip?: string;
}

/** One entry, as `GET /me/activity` returns it. */
export interface ActivityEntry {
  kind: ActivityKind;
  /** ISO 8601. */
  at: string;
  /** For a sign-in, and for a session signed out or revoked for reuse: the device of that session. */
  device?: ActivityDevice;
}

/** An entry to record: whose it is and which session it concerns (never shown; used to find a session's device). */
export interface ActivityRecord {
  userId: number;
  kind: ActivityKind;
  at: string;
  sessionId?: string;
  device?: ActivityDevice;
}

/** Subjects are the SQLite ids this app issued tokens for. */
function userIdOf(subject: string | undefined): number | undefined {
  if (subject === undefined || !/^[1-9][0-9]{0,15}$/.test(subject)) return undefined;
  const id = Number(subject);
  return Number.isSafeInteger(id) ? id : undefined;
}

/**
 * The activity entry a security event makes, if any: sign-ins with their device, reuse detected, sessions signed
 * out (by the user, from another device, by an admin), every session ended, and a password change (the demo passes
 * `reason: 'password_changed'` when it ends the sessions of a password change). Refreshes are not activity.
 */
export function activityOf(event: SecurityEvent): ActivityRecord | undefined {
  const userId = userIdOf('subject' in event ? event.subject : undefined);
  if (userId === undefined) return undefined;
  const at = new Date(event.time).toISOString();
  switch (event.type) {
    case 'session.signed_in':
      return { userId, kind: 'signed_in', at, sessionId: event.sessionId, device: event.device };
    case 'session.reuse_detected':
      return { userId, kind: 'reuse_detected', at, sessionId: event.sessionId };
    case 'session.revoked': {
      if (event.by === 'reuse_detection') return undefined;
      const kind: ActivityKind =
        event.by === 'other_session'
          ? 'device_signed_out'
          : event.by === 'admin'
            ? 'signed_out_by_admin'
            : 'signed_out';
      return { userId, kind, at, sessionId: event.sessionId };
    }
    case 'user.sessions_revoked':
      return { userId, kind: event.reason === 'password_changed' ? 'password_changed' : 'signed_out_everywhere', at };
    default:
      return undefined;
  }
}
