/**
 * What an app remembers of the device a session signed in from, shown to the user in their list of sessions. Every
 * field is optional; `TokenService` cleans and caps them before a store sees them (sessions/session-device.ts).
 */
export interface SessionDevice {
  /** The `User-Agent` header of the login request, at most 256 bytes of UTF-8. */
  userAgent?: string;
  /** A name the app or the user gives the device ("Work laptop"), at most 64 bytes. */
  label?: string;
  /** The client's address at login; truncated to its /24 (IPv4) or /48 (IPv6) unless `sessionIp: 'full'`. */
  ip?: string;
}

/** How much of the client's address a session keeps: its /24 (IPv4) or /48 (IPv6), or all of it. */
export type SessionIpMode = 'truncated' | 'full';

/** One session in its user's index, as a store keeps it. Times are milliseconds since the epoch. */
export interface SessionEntry {
  /** The session id, as tokens carry it (`sid`). */
  sid: string;
  /** The login. */
  createdAt: number;
  /** The latest refresh (the login until the first). */
  lastActiveAt: number;
  /** When its last refresh token expires (or its maximum lifetime ends): the entry is dropped then. */
  expiresAt: number;
  device: SessionDevice;
}

/** A refresh, as the index records it: when the session was used, and until when its entry must now live. */
export interface SessionTouch {
  sid: string;
  usedAt: number;
  startedAt: number;
  expiresAt: number;
}
