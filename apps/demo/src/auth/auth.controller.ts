import { Body, Controller, Header, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { Public } from 'nestjs-token-auth';
import type { PublicUser } from '../users/user.js';
import { AuthService } from './auth.service.js';
import type { AccessTokenResponse } from './dto/access-token.response.js';
import { CredentialsDto } from './dto/credentials.dto.js';
import { LoginRateLimitGuard } from './login-rate-limit.guard.js';

@Public()
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  register(@Body() body: CredentialsDto): Promise<PublicUser> {
    return this.auth.register(body.username, body.password);
  }

  /** Rate-limited per client IP (`LOGIN_RATE_LIMIT` a minute) against password guessing. */
  @Post('login')
  @UseGuards(LoginRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  login(@Body() body: CredentialsDto): Promise<AccessTokenResponse> {
    return this.auth.login(body.username, body.password);
  }
}
