import { Controller, ForbiddenException, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { CurrentUser, TokenService, type AuthenticatedUser } from 'nestjs-token-auth';

/** How long a share link may live: its parent token lives no longer, and the page's expires caveat says the same. */
export const SHARE_LINK_SECONDS = 600;

/**
 * Share links. The page signs in with HttpOnly cookies, so its script never holds the user's access token and cannot
 * attenuate it; it asks here instead for a bearer access token of the same session that lives no longer than a
 * share link, attenuates it in the browser (`nestjs-token-auth/client`) into a read-only link to one note, and drops
 * it. Logging out the session revokes that token, and so every link made from it.
 */
@Controller('sharing')
export class NoteSharingController {
  constructor(private readonly tokens: TokenService) {}

  @Post('token')
  @HttpCode(HttpStatus.OK)
  token(@CurrentUser() user: AuthenticatedUser): { access_token: string; token_type: 'Bearer'; expires_in: number } {
    // An attenuated token must never be swapped for a whole one: that would take its caveats off.
    if (user.caveats !== undefined) throw new ForbiddenException('an attenuated token cannot mint share tokens');
    // The library writes the login time of a session's later tokens itself; the share token says it does not know it.
    const { auth_time: _loginTime, ...claims } = user.claims;
    const issued = this.tokens.issue(user.sub, { ttl: SHARE_LINK_SECONDS, sessionId: user.sid, claims });
    return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn };
  }
}
