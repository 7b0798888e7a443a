import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CurrentUser, Public, TokenService } from 'nestjs-token-auth';
import { AppService } from './app.service.js';

@Controller()
export class AppController {
  constructor(
    private readonly appService: AppService,
    private readonly tokens: TokenService,
  ) {}

  // The global guard guards every route, the generated one too.
  @Public()
  @Get()
  getHello(): string {
    return this.appService.getHello();
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() body: { username: string }) {
    return { access_token: this.tokens.issue(body.username).token };
  }

  @Get('me')
  me(@CurrentUser('sub') sub: string) {
    return { sub };
  }
}
