import { Controller, Delete, HttpCode, HttpStatus, Req, Res } from '@nestjs/common';
import { RequireFreshLogin, TokenCookies, type HttpRequestLike, type HttpResponseLike } from 'nestjs-token-auth';
import { revocationAnswer } from '../devices/revocation-answer.js';
import { CurrentUserId } from '../users/current-user-id.decorator.js';
import { AccountService } from './account.service.js';

@Controller('account')
export class AccountController {
  constructor(
    private readonly account: AccountService,
    private readonly cookies: TokenCookies,
  ) {}

  /**
   * Deletes the caller's account: the user, their notes and every session. Sensitive, so it needs a login within
   * `STEP_UP_MAX_AGE` seconds (the module's `freshLoginMaxAge`): an older one is answered 401
   * `insufficient_user_authentication` with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
   * max_age=N`, and the client signs in again. 204, or 202 `{ persisted: false }` when Redis did not confirm that
   * every session is revoked (this instance refuses them at once, the others once Redis is back).
   */
  @Delete()
  @RequireFreshLogin()
  @HttpCode(HttpStatus.NO_CONTENT)
  async delete(
    @CurrentUserId() userId: number,
    @Req() request: HttpRequestLike,
    @Res({ passthrough: true }) response: HttpResponseLike,
  ): Promise<Response | undefined> {
    const result = await this.account.delete(userId);
    if (this.cookies.enabled) this.cookies.clear(request, response);
    return revocationAnswer(result);
  }
}
