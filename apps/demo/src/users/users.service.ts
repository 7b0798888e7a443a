import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { DATABASE } from '../database/database.constants.js';
import { sqliteErrorCode } from '../database/sqlite-error-code.js';
import { PasswordHasher } from './password-hasher.js';
import type { User } from './user.js';
import { UsernameTakenError } from './username-taken.error.js';

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  created_at: string;
}

function toUser(row: UserRow): User {
  return { id: row.id, username: row.username, passwordHash: row.password_hash, createdAt: row.created_at };
}

@Injectable()
export class UsersService {
  private readonly insert: Database.Statement<[string, string, string]>;
  private readonly byUsername: Database.Statement<[string], UserRow>;
  private readonly byId: Database.Statement<[number], UserRow>;
  private readonly updateHash: Database.Statement<[string, number]>;
  private readonly deleteById: Database.Statement<[number]>;

  constructor(
    @Inject(DATABASE) db: Database.Database,
    private readonly hasher: PasswordHasher,
  ) {
    this.insert = db.prepare('INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)');
    this.byUsername = db.prepare('SELECT * FROM users WHERE username = ?');
    this.byId = db.prepare('SELECT * FROM users WHERE id = ?');
    this.updateHash = db.prepare('UPDATE users SET password_hash = ? WHERE id = ?');
    // Their notes (and every other row of theirs) go with them: ON DELETE CASCADE, foreign keys on.
    this.deleteById = db.prepare('DELETE FROM users WHERE id = ?');
  }

  /** Stores a new user with a scrypt hash of the password; throws `UsernameTakenError` if the name exists. */
  async register(username: string, password: string): Promise<User> {
    const passwordHash = await this.hasher.hash(password);
    const createdAt = new Date().toISOString();
    try {
      const { lastInsertRowid } = this.insert.run(username, passwordHash, createdAt);
      return { id: Number(lastInsertRowid), username, passwordHash, createdAt };
    } catch (error) {
      if (sqliteErrorCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new UsernameTakenError(username);
      }
      throw error;
    }
  }

  /** Replaces the user's password hash; false when the user does not exist. */
  async changePassword(id: number, password: string): Promise<boolean> {
    const passwordHash = await this.hasher.hash(password);
    return this.updateHash.run(passwordHash, id).changes === 1;
  }

  /** Deletes the user and everything of theirs in the database; false when there was no such user. */
  delete(id: number): boolean {
    return this.deleteById.run(id).changes === 1;
  }

  findByUsername(username: string): User | undefined {
    const row = this.byUsername.get(username);
    return row && toUser(row);
  }

  findById(id: number): User | undefined {
    const row = this.byId.get(id);
    return row && toUser(row);
  }
}
