import {
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Req,
  Res,
} from '@nestjs/common';
import {
  CurrentUser,
  TokenCookies,
  TokenService,
  type AuthenticatedUser,
  type HttpRequestLike,
  type HttpResponseLike,
} from 'nestjs-token-auth';
import { revocationAnswer } from './revocation-answer.js';
import { toSessionView, type SessionView } from './session-view.js';

/**
 * "Your devices": the caller's sessions, each one signed out on its own, or all but the caller's. Every route needs a
 * valid access token; a revocation reaches every instance (204), or this one at once and the others once Redis is
 * back (202 `{ persisted: false }`). Listing needs the store: 503 `revocation_unavailable` while Redis is away.
 */
@Controller('auth/sessions')
export class DevicesController {
  constructor(
    private readonly tokens: TokenService,
    private readonly cookies: TokenCookies,
  ) {}

  /** The caller's live sessions, theirs first (`current: true`), then the most recently active. */
  @Get()
  @Header('Cache-Control', 'no-store')
  async list(@CurrentUser() user: AuthenticatedUser): Promise<SessionView[]> {
    const sessions = await this.tokens.listSessions(user.sub, { currentSessionId: user.sid });
    return sessions.map(toSessionView);
  }

  /**
   * Signs one device out. A session id that is not one of the caller's live sessions (another user's, unknown,
   * malformed or already signed out) is 404, the same answer for each. The caller's own id signs this device out.
   */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revoke(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') sessionId: string,
    @Req() request: HttpRequestLike,
    @Res({ passthrough: true }) response: HttpResponseLike,
  ): Promise<Response | undefined> {
    // From another of the user's sessions, unless it names the caller's own.
    const by = sessionId === user.sid ? 'user' : 'other_session';
    const result = await this.tokens.revokeSession(sessionId, { subject: user.sub, by, reason: 'device_signed_out' });
    if (result.found === false) throw new NotFoundException('no such session');
    if (sessionId === user.sid && this.cookies.enabled) this.cookies.clear(request, response);
    return revocationAnswer(result);
  }

  /** Signs out every session of the caller but this one. */
  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeOthers(@CurrentUser() user: AuthenticatedUser): Promise<Response | undefined> {
    return revocationAnswer(await this.tokens.revokeOtherSessions(user.sub, user.sid));
  }
}
