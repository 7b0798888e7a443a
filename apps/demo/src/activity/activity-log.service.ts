import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { DATABASE } from '../database/database.constants.js';
import { sqliteErrorCode } from '../database/sqlite-error-code.js';
import type { ActivityDevice, ActivityEntry, ActivityKind, ActivityRecord } from './activity.js';

/** Entries kept per user: older ones are dropped as new ones come. */
export const ACTIVITY_KEPT = 100;
/** Entries `GET /me/activity` returns. */
export const ACTIVITY_SHOWN = 20;

interface ActivityRow {
  kind: ActivityKind;
  at: string;
  device: string | null;
}

/** The activity of each user in SQLite (table `activity`), scoped by `user_id` like every other statement. */
@Injectable()
export class ActivityLog {
  private readonly insertStatement: Database.Statement<[number, string, string, string | null, string | null]>;
  private readonly pruneStatement: Database.Statement<[number, number, number]>;
  private readonly recentStatement: Database.Statement<[number, number], ActivityRow>;
  private readonly deviceStatement: Database.Statement<[number, string], { device: string | null }>;

  constructor(@Inject(DATABASE) db: Database.Database) {
    this.insertStatement = db.prepare(
      'INSERT INTO activity (user_id, kind, at, session_id, device) VALUES (?, ?, ?, ?, ?)',
    );
    this.pruneStatement = db.prepare(
      'DELETE FROM activity WHERE user_id = ? AND id <= (SELECT id FROM activity WHERE user_id = ? ' +
        'ORDER BY id DESC LIMIT 1 OFFSET ?)',
    );
    this.recentStatement = db.prepare(
      'SELECT kind, at, device FROM activity WHERE user_id = ? ORDER BY id DESC LIMIT ?',
    );
    this.deviceStatement = db.prepare(
      "SELECT device FROM activity WHERE user_id = ? AND session_id = ? AND kind = 'signed_in' LIMIT 1",
    );
  }

  /**
   * Records an entry; a session signed out or revoked for reuse is shown with the device it signed in from. An
   * entry for a user who no longer exists (a reset database) is dropped.
   */
  record({ userId, kind, at, sessionId, device }: ActivityRecord): void {
    const shown =
      device ?? (sessionId === undefined || kind === 'signed_in' ? undefined : this.deviceOf(userId, sessionId));
    try {
      this.insertStatement.run(userId, kind, at, sessionId ?? null, shown ? JSON.stringify(shown) : null);
      this.pruneStatement.run(userId, userId, ACTIVITY_KEPT);
    } catch (error) {
      if (sqliteErrorCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY') return;
      throw error;
    }
  }

  /** The user's latest entries, newest first. */
  recent(userId: number, limit = ACTIVITY_SHOWN): ActivityEntry[] {
    return this.recentStatement.all(userId, limit).map((row) => ({
      kind: row.kind,
      at: row.at,
      ...(row.device !== null && { device: JSON.parse(row.device) as ActivityDevice }),
    }));
  }

  private deviceOf(userId: number, sessionId: string): ActivityDevice | undefined {
    const row = this.deviceStatement.get(userId, sessionId);
    return row?.device ? (JSON.parse(row.device) as ActivityDevice) : undefined;
  }
}
