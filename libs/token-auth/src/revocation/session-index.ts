import { ExpiringMap } from './expiring-map.js';
import type { SessionEntry, SessionTouch } from './session-entry.js';

/** One user's entries, and the earliest time one of them can have expired (no sooner is a walk of them useful). */
interface UserSessions {
  sessions: Map<string, SessionEntry>;
  pruneAt: number;
}

/**
 * Each user's live sessions, in memory: the memory store's index (the Redis store keeps the same in one hash per
 * user). Logins, removals and cut-offs first drop that user's expired entries, a refresh only once one may have
 * expired (so a user with many sessions does not make each refresh walk them all), and a user's whole map expires
 * with their latest session: memory follows the live sessions and never grows with refreshes.
 */
export class MemorySessionIndex {
  private readonly users = new ExpiringMap<UserSessions>();

  /** Entries held, all users together (counted: for tests and benchmarks). */
  get size(): number {
    let size = 0;
    for (const [, { sessions }] of this.users.entries()) size += sessions.size;
    return size;
  }

  get footprint(): number {
    return this.users.footprint + this.size;
  }

  /** A login: the session's entry, replacing any entry of the same id. */
  record(sub: string, entry: SessionEntry, now: number): void {
    if (entry.expiresAt <= now) return;
    const sessions = this.pruned(sub, now);
    sessions.set(entry.sid, { ...entry, device: { ...entry.device } });
    this.keep(sub, sessions);
  }

  /**
   * A refresh: the entry's last activity and expiry move on. A session with no entry (started before the index
   * existed) gets one, without device fields.
   */
  touch(sub: string, { sid, usedAt, startedAt, expiresAt }: SessionTouch, now: number): void {
    if (expiresAt <= now) return;
    const user = this.users.get(sub);
    if (user === undefined || now >= user.pruneAt) {
      const sessions = this.pruned(sub, now);
      this.update(sessions, { sid, usedAt, startedAt, expiresAt });
      this.keep(sub, sessions);
      return;
    }
    const entry = this.update(user.sessions, { sid, usedAt, startedAt, expiresAt });
    user.pruneAt = Math.min(user.pruneAt, entry.expiresAt);
    if (entry.expiresAt > (this.users.expiresAt(sub) ?? 0)) this.users.set(sub, user, entry.expiresAt);
  }

  /** Drops one session of the user; false when the user has no such live session. */
  remove(sub: string, sid: string, now: number): boolean {
    const sessions = this.pruned(sub, now);
    const removed = sessions.delete(sid);
    this.keep(sub, sessions);
    return removed;
  }

  /** Drops the user's sessions that started before `issuedBefore` (a user's cut-off covers them). */
  cut(sub: string, issuedBefore: number, now: number): void {
    const sessions = this.pruned(sub, now);
    for (const [sid, entry] of sessions) if (entry.createdAt < issuedBefore) sessions.delete(sid);
    this.keep(sub, sessions);
  }

  /** The user's live sessions (copies). */
  list(sub: string, now: number): SessionEntry[] {
    const sessions = this.users.get(sub)?.sessions;
    if (sessions === undefined) return [];
    return [...sessions.values()]
      .filter((entry) => entry.expiresAt > now)
      .map((entry) => ({ ...entry, device: { ...entry.device } }));
  }

  sweep(now: number): void {
    this.users.sweep(now);
  }

  /** The session's entry moved on, or made without device fields. */
  private update(sessions: Map<string, SessionEntry>, { sid, usedAt, startedAt, expiresAt }: SessionTouch) {
    const entry = sessions.get(sid);
    if (entry === undefined) {
      const made = { sid, createdAt: startedAt, lastActiveAt: usedAt, expiresAt, device: {} };
      sessions.set(sid, made);
      return made;
    }
    entry.lastActiveAt = Math.max(entry.lastActiveAt, usedAt);
    entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
    return entry;
  }

  /** The user's map with its expired entries dropped (a new one when there is none). */
  private pruned(sub: string, now: number): Map<string, SessionEntry> {
    const sessions = this.users.get(sub)?.sessions ?? new Map<string, SessionEntry>();
    for (const [sid, entry] of sessions) if (entry.expiresAt <= now) sessions.delete(sid);
    return sessions;
  }

  /** Keeps the user's map until their latest session expires; an empty one goes at once. */
  private keep(sub: string, sessions: Map<string, SessionEntry>): void {
    let latest = 0;
    let earliest = Infinity;
    for (const { expiresAt } of sessions.values()) {
      latest = Math.max(latest, expiresAt);
      earliest = Math.min(earliest, expiresAt);
    }
    if (latest === 0) this.users.delete(sub);
    else this.users.set(sub, { sessions, pruneAt: earliest }, latest);
  }
}
