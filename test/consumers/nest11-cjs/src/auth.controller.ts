import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CurrentUser, Public, TokenService } from 'nestjs-token-auth';
import { UsersService, type User } from './users.service';

@Controller()
export class AuthController {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  login(@Body() body: { username: string }) {
    const user = this.users.register(body.username);
    const { token, expiresIn } = this.tokens.issue(user.id, { claims: { role: 'reader' } });
    return { access_token: token, token_type: 'Token', expires_in: expiresIn };
  }

  @Post('auth/logout')
  @HttpCode(204)
  async logout(@CurrentUser('sid') sessionId: string): Promise<void> {
    await this.tokens.revokeSession(sessionId);
  }

  // @CurrentUser() is the app's user (resolveUser); a field such as 'sub' still reads the token.
  @Get('me')
  me(@CurrentUser() user: User, @CurrentUser('sub') subject: string) {
    return { id: user.id, username: user.username, bio: user.bio, subject };
  }
}
