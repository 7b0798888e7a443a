import { Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { DATABASE } from '../database/database.constants.js';
import { sqliteErrorCode } from '../database/sqlite-error-code.js';
import type { Note } from './note.js';

interface NoteRow {
  id: number;
  text: string;
  created_at: string;
}

function toNote(row: NoteRow): Note {
  return { id: row.id, text: row.text, createdAt: row.created_at };
}

/** Notes belong to one user: every statement is scoped by `user_id`, so no one reaches another's notes. */
@Injectable()
export class NotesService {
  private readonly listStatement: Database.Statement<[number], NoteRow>;
  private readonly getStatement: Database.Statement<[number, number], NoteRow>;
  private readonly insertStatement: Database.Statement<[number, string, string]>;
  private readonly deleteStatement: Database.Statement<[number, number]>;

  constructor(@Inject(DATABASE) db: Database.Database) {
    this.listStatement = db.prepare('SELECT id, text, created_at FROM notes WHERE user_id = ? ORDER BY id');
    this.getStatement = db.prepare('SELECT id, text, created_at FROM notes WHERE id = ? AND user_id = ?');
    this.insertStatement = db.prepare('INSERT INTO notes (user_id, text, created_at) VALUES (?, ?, ?)');
    this.deleteStatement = db.prepare('DELETE FROM notes WHERE id = ? AND user_id = ?');
  }

  list(userId: number): Note[] {
    return this.listStatement.all(userId).map(toNote);
  }

  /** One note of the user; another user's note answers exactly like a missing one: 404. */
  get(userId: number, id: number): Note {
    const row = this.getStatement.get(id, userId);
    if (row === undefined) throw new NotFoundException(`note ${id} not found`);
    return toNote(row);
  }

  create(userId: number, text: string): Note {
    const createdAt = new Date().toISOString();
    try {
      const { lastInsertRowid } = this.insertStatement.run(userId, text, createdAt);
      return { id: Number(lastInsertRowid), text, createdAt };
    } catch (error) {
      // A valid token for a user that is gone (a reset database): the client must sign in again.
      if (sqliteErrorCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new UnauthorizedException('the user of this token no longer exists');
      }
      throw error;
    }
  }

  /** Another user's note answers exactly like a missing one: 404, so note ids reveal nothing. */
  remove(userId: number, id: number): void {
    if (this.deleteStatement.run(id, userId).changes === 0) throw new NotFoundException(`note ${id} not found`);
  }
}
