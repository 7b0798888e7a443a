import { ConflictException, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import {
  KeyRingManager,
  TokenService,
  type RevocationResult,
  type SessionDevice,
  type VerifiedSession,
  type TokenPair,
} from 'nestjs-token-auth';
import { AccountLoginLimiter } from '../throttling/account-login-limiter.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { toPublicUser, type PublicUser } from '../users/user.js';
import { UsernameTakenError } from '../users/username-taken.error.js';
import { UsersService } from '../users/users.service.js';

/** The one message for an unknown user and a wrong password: a login must not reveal which names exist. */
const BAD_CREDENTIALS = 'invalid username or password';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly keyRing: KeyRingManager,
    private readonly accountLimiter: AccountLoginLimiter,
  ) {}

  async register(username: string, password: string): Promise<PublicUser> {
    try {
      return toPublicUser(await this.users.register(username, password));
    } catch (error) {
      if (error instanceof UsernameTakenError) throw new ConflictException(error.message);
      throw error;
    }
  }

  /**
   * The only password check of a session; every later request is authenticated by its token. A stale key ring
   * answers 503 `key_ring_stale` before the scrypt: no token could be issued, so the hash would be wasted work.
   * Past the account's failed attempts, 429 `account_rate_limited` (`AccountLoginLimiter`); when the hashing queue
   * could not start the scrypt within `HASHING_MAX_WAIT`, 503 `hashing_overloaded` at once. The session is recorded
   * with `device` in the user's list of sessions (`GET /auth/sessions`) before the pair is handed out.
   */
  async login(username: string, password: string, device: SessionDevice = {}): Promise<TokenPair> {
    this.assertCanIssue();
    const user = this.users.findByUsername(username);
    const matches = await this.accountLimiter.check(username, async () => {
      // One scrypt either way, so response time does not tell an unknown name from a wrong password.
      const matches = await this.hasher.verify(password, user?.passwordHash ?? this.hasher.dummyHash);
      return user !== undefined && matches;
    });
    if (user === undefined || !matches) throw new UnauthorizedException(BAD_CREDENTIALS);
    return this.startSession(user.id, device);
  }

  /**
   * Rotates the pair. A bad, expired or revoked refresh token is a 401 with its code (a reused one also revokes
   * its session); 503 when the server is at fault (revocation store unreachable, key ring stale), so the client
   * retries. `TokenAuthExceptionFilter` (app.module.ts) turns the `TokenAuthError` into that answer.
   */
  refresh(refreshToken: string): Promise<TokenPair> {
    return this.tokens.refresh(refreshToken);
  }

  /**
   * Ends the session of the token: its access token, its refresh token and every pair refreshed from them.
   * `persisted: false` when only this instance enforces it yet (the shared store is down; the write is queued). The
   * token's own claims name the session and its user: it leaves their list of sessions at once.
   */
  logout(session: VerifiedSession): Promise<RevocationResult> {
    return this.tokens.revokeSession(session);
  }

  /** Ends every session of the user, on every device; `persisted` as for `logout`. */
  logoutAll(userId: number): Promise<RevocationResult> {
    return this.tokens.revokeAllForUser(String(userId));
  }

  /** Checks the old password, stores the new one, ends every older session and starts a new one for this client. */
  async changePassword(
    userId: number,
    oldPassword: string,
    newPassword: string,
    device: SessionDevice = {},
  ): Promise<TokenPair> {
    this.assertCanIssue();
    const user = this.users.findById(userId);
    if (user === undefined) throw new UnauthorizedException('the user of this token no longer exists');
    if (!(await this.hasher.verify(oldPassword, user.passwordHash))) {
      throw new ForbiddenException('the old password is wrong');
    }
    await this.users.changePassword(userId, newPassword);
    // The reason goes into the security event: the activity log shows a password change, not a "sign out everywhere".
    await this.tokens.revokeAllForUser(String(userId), { reason: 'password_changed' });
    return this.startSession(userId, device);
  }

  /** Throws `key_ring_stale` (503) while the ring is past its maxStaleness. */
  private assertCanIssue(): void {
    void this.keyRing.current;
  }

  /**
   * The ring may go stale during the scrypt: `key_ring_stale` again, a 503 (never a 500). Resolved once Redis
   * holds the session (or it is queued while Redis is away), so every instance lists it at once.
   */
  private startSession(userId: number, device: SessionDevice): Promise<TokenPair> {
    return this.tokens.startSession(String(userId), { device });
  }
}
