import { Body, Controller, Header, HttpCode, HttpStatus, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { Public, TokenCookies, type HttpRequestLike, type HttpResponseLike } from 'nestjs-token-auth';
import type { PublicUser } from '../users/user.js';
import { deviceOf } from '../devices/device-of.js';
import { AuthService } from './auth.service.js';
import type { AccessTokenResponse } from './dto/access-token.response.js';
import { CredentialsDto } from './dto/credentials.dto.js';
import { RefreshTokenDto } from './dto/refresh-token.dto.js';
import { RetryAfterFilter } from '../throttling/retry-after.filter.js';
import { LoginRateLimitGuard } from './login-rate-limit.guard.js';
import { sendPair, type CookieSessionResponse } from './token-response.js';

/** The rate limits' 429s and the 503 `hashing_overloaded` carry `Retry-After` (`RetryAfterFilter`). */
@Public()
@UseFilters(RetryAfterFilter)
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly cookies: TokenCookies,
  ) {}

  /** Rate-limited like login (one scrypt each, and the 409 tells whether a name exists). */
  @Post('register')
  @UseGuards(LoginRateLimitGuard)
  register(@Body() body: CredentialsDto): Promise<PublicUser> {
    return this.auth.register(body.username, body.password);
  }

  /**
   * Rate-limited per client IP (`LOGIN_RATE_LIMIT` a minute) and per account (`ACCOUNT_LOGIN_LIMIT` failures a
   * window, shared through Redis) against password guessing; 503 at once when the hashing queue is too deep.
   */
  @Post('login')
  @UseGuards(LoginRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  async login(
    @Body() body: CredentialsDto,
    @Req() request: HttpRequestLike,
    @Res({ passthrough: true }) response: HttpResponseLike,
  ): Promise<AccessTokenResponse | CookieSessionResponse> {
    const pair = await this.auth.login(body.username, body.password, deviceOf(request));
    return sendPair(pair, this.cookies, request, response);
  }

  /**
   * Swaps a refresh token for a new pair; the old refresh token is spent. The token comes in the body, or in
   * cookie mode from the refresh cookie (then with the CSRF header); both at once is refused as ambiguous.
   */
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  async refresh(
    @Body() body: RefreshTokenDto,
    @Req() request: HttpRequestLike,
    @Res({ passthrough: true }) response: HttpResponseLike,
  ): Promise<AccessTokenResponse | CookieSessionResponse> {
    const token = this.cookies.readRefreshToken(request, body.refresh_token);
    return sendPair(await this.auth.refresh(token), this.cookies, request, response);
  }
}
