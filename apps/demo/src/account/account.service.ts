import { Injectable, UnauthorizedException } from '@nestjs/common';
import { TokenService, type RevocationResult } from 'nestjs-token-auth';
import { UsersService } from '../users/users.service.js';

@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
  ) {}

  /**
   * Deletes the user and their notes (one SQLite statement, cascading), then revokes every token of theirs: their
   * sessions leave the index with it. The database first: a revocation that Redis does not confirm is still enforced
   * here and queued, whereas a deletion that failed after a revocation would leave a user who can no longer sign in
   * to retry.
   */
  async delete(userId: number): Promise<RevocationResult> {
    if (!this.users.delete(userId)) throw new UnauthorizedException('the user of this token no longer exists');
    return this.tokens.revokeAllForUser(String(userId));
  }
}
