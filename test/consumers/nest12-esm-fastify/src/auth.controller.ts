import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CurrentUser, Public, TokenService, type AuthenticatedUser } from 'nestjs-token-auth';

@Controller()
export class AuthController {
  constructor(private readonly tokens: TokenService) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  login(@Body() body: { username: string }) {
    const { access, refresh } = this.tokens.issuePair(body.username, { claims: { role: 'reader' } });
    return { access_token: access.token, refresh_token: refresh.token, expires_in: access.expiresIn };
  }

  @Post('auth/logout')
  @HttpCode(204)
  async logout(@CurrentUser('sid') sessionId: string): Promise<void> {
    await this.tokens.revokeSession(sessionId);
  }

  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser) {
    return { id: user.sub, role: user.claims.role };
  }
}
