import { ConflictException, Injectable, UnauthorizedException } from '@nestjs/common';
import { TokenService } from 'nestjs-token-auth';
import { PasswordHasher } from '../users/password-hasher.js';
import { toPublicUser, type PublicUser } from '../users/user.js';
import { UsernameTakenError } from '../users/username-taken.error.js';
import { UsersService } from '../users/users.service.js';
import type { AccessTokenResponse } from './dto/access-token.response.js';

/** The one message for an unknown user and a wrong password: a login must not reveal which names exist. */
const BAD_CREDENTIALS = 'invalid username or password';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
  ) {}

  async register(username: string, password: string): Promise<PublicUser> {
    try {
      return toPublicUser(await this.users.register(username, password));
    } catch (error) {
      if (error instanceof UsernameTakenError) throw new ConflictException(error.message);
      throw error;
    }
  }

  /** The only password check of a session; every later request is authenticated by its token. */
  async login(username: string, password: string): Promise<AccessTokenResponse> {
    const user = this.users.findByUsername(username);
    // One scrypt either way, so response time does not tell an unknown name from a wrong password.
    const matches = await this.hasher.verify(password, user?.passwordHash ?? this.hasher.dummyHash);
    if (user === undefined || !matches) throw new UnauthorizedException(BAD_CREDENTIALS);
    const { token, expiresIn } = this.tokens.issue(String(user.id));
    return { access_token: token, token_type: 'Bearer', expires_in: expiresIn };
  }
}
