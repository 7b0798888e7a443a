import { describe, expect, it } from '@jest/globals';
import type { SecurityEvent } from 'nestjs-token-auth';
import { openDatabase } from '../database/open-database.js';
import { activityOf } from './activity.js';
import { ACTIVITY_KEPT, ActivityLog } from './activity-log.service.js';

const T = Date.parse('2026-06-01T12:00:00Z');
const device = { userAgent: 'Firefox on Linux', ip: '203.0.113.0' };

function logWithUser(): { log: ActivityLog; userId: number } {
  const db = openDatabase(':memory:');
  const userId = Number(
    db.prepare("INSERT INTO users (username, password_hash, created_at) VALUES ('ada', 'x', '')").run().lastInsertRowid,
  );
  return { log: new ActivityLog(db), userId };
}

describe('activityOf', () => {
  it('maps sign-ins (with device), reuse, sign-outs and password changes; not refreshes', () => {
    const base = { time: T, subject: '7', sessionId: 's1' };
    expect(activityOf({ ...base, type: 'session.signed_in', device })).toEqual({
      userId: 7,
      kind: 'signed_in',
      at: '2026-06-01T12:00:00.000Z',
      sessionId: 's1',
      device,
    });
    expect(activityOf({ ...base, type: 'session.refreshed' })).toBeUndefined();
    expect(
      activityOf({ ...base, type: 'session.reuse_detected', reason: 'refresh_token_reused', persisted: true }),
    ).toMatchObject({ kind: 'reuse_detected' });
    const revoked = { ...base, type: 'session.revoked', reason: 'logout', persisted: true } as const;
    expect(activityOf({ ...revoked, by: 'user' })).toMatchObject({ kind: 'signed_out' });
    expect(activityOf({ ...revoked, by: 'other_session' })).toMatchObject({ kind: 'device_signed_out' });
    expect(activityOf({ ...revoked, by: 'admin' })).toMatchObject({ kind: 'signed_out_by_admin' });
    // The reuse entry says it already.
    expect(activityOf({ ...revoked, by: 'reuse_detection' })).toBeUndefined();
    const all = { time: T, subject: '7', type: 'user.sessions_revoked', by: 'user', persisted: true } as const;
    expect(activityOf({ ...all, reason: 'password_changed' })).toMatchObject({ kind: 'password_changed' });
    expect(activityOf({ ...all, reason: 'logout_all' })).toMatchObject({ kind: 'signed_out_everywhere' });
  });

  it('ignores events without a subject of this app (not a positive integer) and events of the store and keys', () => {
    const events: SecurityEvent[] = [
      { type: 'session.refreshed', time: T, subject: 'abc', sessionId: 's' },
      { type: 'session.signed_in', time: T, subject: '07', sessionId: 's' },
      { type: 'store.stale', time: T, reason: 'x' },
      { type: 'key.rotated', time: T, keyId: 'a', previousKeyId: 'b' },
    ];
    for (const event of events) expect(activityOf(event)).toBeUndefined();
  });
});

describe('ActivityLog', () => {
  it("shows a session's sign-out and reuse with the device it signed in from, newest first", () => {
    const { log, userId } = logWithUser();
    log.record({ userId, kind: 'signed_in', at: '2026-06-01T12:00:00.000Z', sessionId: 's1', device });
    log.record({ userId, kind: 'reuse_detected', at: '2026-06-01T12:01:00.000Z', sessionId: 's1' });
    log.record({ userId, kind: 'signed_out', at: '2026-06-01T12:02:00.000Z', sessionId: 'unknown' });
    expect(log.recent(userId)).toEqual([
      { kind: 'signed_out', at: '2026-06-01T12:02:00.000Z' },
      { kind: 'reuse_detected', at: '2026-06-01T12:01:00.000Z', device },
      { kind: 'signed_in', at: '2026-06-01T12:00:00.000Z', device },
    ]);
  });

  it('keeps the latest entries per user only, and drops those of a user who is gone', () => {
    const { log, userId } = logWithUser();
    for (let i = 0; i < ACTIVITY_KEPT + 30; i++) {
      log.record({ userId, kind: 'signed_out', at: new Date(T + i * 1000).toISOString() });
    }
    expect(log.recent(userId, 1000)).toHaveLength(ACTIVITY_KEPT);
    expect(log.recent(userId, 1)[0]!.at).toBe(new Date(T + (ACTIVITY_KEPT + 29) * 1000).toISOString());
    expect(() => log.record({ userId: userId + 1, kind: 'signed_out', at: '2026-06-01T12:00:00.000Z' })).not.toThrow();
    expect(log.recent(userId + 1)).toEqual([]);
  });
});
