import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CurrentUser, Public, TokenService, type AuthenticatedUser } from 'nestjs-token-auth';

@Controller()
export class AppController {
  constructor(private readonly tokens: TokenService) {}

  @Public()
  @Get()
  getHello(): string {
    return 'Hello World!';
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() body: { username: string }) {
    return { access_token: this.tokens.issue(body.username, { claims: { role: 'reader' } }).token };
  }

  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser, @CurrentUser('sub') sub: string) {
    return { sub, role: user.claims.role };
  }

  @Get('typo')
  // @ts-expect-error: 'subject' is no field of the user, and @CurrentUser() says so on Nest 10 too
  typo(@CurrentUser('subject') subject: string) {
    return subject;
  }
}
