import { Body, Controller, Header, HttpCode, HttpStatus, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import {
  CurrentUser,
  TokenCookies,
  type AuthenticatedUser,
  type HttpRequestLike,
  type HttpResponseLike,
  type RevocationResult,
} from 'nestjs-token-auth';
import { CurrentUserId } from '../users/current-user-id.decorator.js';
import { deviceOf } from '../devices/device-of.js';
import { AuthService } from './auth.service.js';
import type { AccessTokenResponse } from './dto/access-token.response.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { RetryAfterFilter } from '../throttling/retry-after.filter.js';
import { LoginRateLimitGuard } from './login-rate-limit.guard.js';
import { sendPair, type CookieSessionResponse } from './token-response.js';

/**
 * What a logout achieved: 204 when every instance enforces it, 202 `{ persisted: false }` when the shared store
 * was unreachable, so only this instance enforces it yet and the write is queued until the store is back. Either
 * way this client's tokens are spent; 202 tells it that a copy held elsewhere may still work for a while.
 */
function logoutAnswer({ persisted }: RevocationResult): Response | undefined {
  return persisted ? undefined : Response.json({ persisted: false }, { status: HttpStatus.ACCEPTED });
}

/**
 * The routes that end sessions; each needs a valid access token. The password change's 429 and 503
 * `hashing_overloaded` carry `Retry-After` (`RetryAfterFilter`).
 */
@UseFilters(RetryAfterFilter)
@Controller('auth')
export class SessionController {
  constructor(
    private readonly auth: AuthService,
    private readonly cookies: TokenCookies,
  ) {}

  /** Revokes the current access token and its whole refresh family (the session). */
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: HttpRequestLike,
    @Res({ passthrough: true }) response: HttpResponseLike,
  ): Promise<Response | undefined> {
    const result = await this.auth.logout(user);
    if (this.cookies.enabled) this.cookies.clear(request, response);
    return logoutAnswer(result);
  }

  /** Revokes every token of the user, on every device. */
  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logoutAll(
    @CurrentUserId() userId: number,
    @Req() request: HttpRequestLike,
    @Res({ passthrough: true }) response: HttpResponseLike,
  ): Promise<Response | undefined> {
    const result = await this.auth.logoutAll(userId);
    if (this.cookies.enabled) this.cookies.clear(request, response);
    return logoutAnswer(result);
  }

  /**
   * Changes the password and revokes every older token of the user; this client gets a new pair. Rate-limited
   * like login: the old password can be guessed here too.
   */
  @Post('password')
  @UseGuards(LoginRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  async changePassword(
    @CurrentUserId() userId: number,
    @Body() body: ChangePasswordDto,
    @Req() request: HttpRequestLike,
    @Res({ passthrough: true }) response: HttpResponseLike,
  ): Promise<AccessTokenResponse | CookieSessionResponse> {
    const pair = await this.auth.changePassword(userId, body.old_password, body.new_password, deviceOf(request));
    return sendPair(pair, this.cookies, request, response);
  }
}
