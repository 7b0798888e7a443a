import { ExpiringMap } from './expiring-map.js';
import type { SessionEntry, SessionTouch } from './session-entry.js';

/**
 * Each user's live sessions, in memory: the memory store's index (the Redis store keeps the same in one hash per
 * user). Every write for a user first drops that user's expired entries, and a user's whole map expires with their
 * latest session, so memory follows the live sessions and never grows with refreshes.
 */
export class MemorySessionIndex {
  private readonly users = new ExpiringMap<Map<string, SessionEntry>>();

  /** Entries held, all users together (counted: for tests and benchmarks). */
  get size(): number {
    let size = 0;
    for (const [, sessions] of this.users.entries()) size += sessions.size;
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
    const sessions = this.pruned(sub, now);
    const entry = sessions.get(sid);
    if (entry === undefined) {
      sessions.set(sid, { sid, createdAt: startedAt, lastActiveAt: usedAt, expiresAt, device: {} });
    } else {
      entry.lastActiveAt = Math.max(entry.lastActiveAt, usedAt);
      entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
    }
    this.keep(sub, sessions);
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
    const sessions = this.users.get(sub);
    if (sessions === undefined) return [];
    return [...sessions.values()]
      .filter((entry) => entry.expiresAt > now)
      .map((entry) => ({ ...entry, device: { ...entry.device } }));
  }

  sweep(now: number): void {
    this.users.sweep(now);
  }

  /** The user's map with its expired entries dropped (a new one when there is none). */
  private pruned(sub: string, now: number): Map<string, SessionEntry> {
    const sessions = this.users.get(sub) ?? new Map<string, SessionEntry>();
    for (const [sid, entry] of sessions) if (entry.expiresAt <= now) sessions.delete(sid);
    return sessions;
  }

  /** Keeps the user's map until their latest session expires; an empty one goes at once. */
  private keep(sub: string, sessions: Map<string, SessionEntry>): void {
    let latest = 0;
    for (const entry of sessions.values()) latest = Math.max(latest, entry.expiresAt);
    if (latest === 0) this.users.delete(sub);
    else this.users.set(sub, sessions, latest);
  }
}
