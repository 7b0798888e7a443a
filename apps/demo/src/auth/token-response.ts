import type { HttpRequestLike, HttpResponseLike, TokenCookies, TokenPair } from 'nestjs-token-auth';
import type { AccessTokenResponse } from './dto/access-token.response.js';

/** What a browser page in cookie mode receives: the lifetime only, the tokens travel as HttpOnly cookies. */
export interface CookieSessionResponse {
  token_type: 'Bearer';
  expires_in: number;
}

/** True for the demo page in cookie mode: it sends the CSRF header on every call, API clients do not. */
export function isCookieClient(cookies: TokenCookies, request: HttpRequestLike): boolean {
  if (!cookies.enabled) return false;
  const headers = request.headers ?? request.raw?.headers ?? {};
  return typeof headers[cookies.csrfHeader] === 'string';
}

/**
 * Hands a new pair to the client: as JSON for API clients (RFC 6749 section 5.1), or, for a browser page in
 * cookie mode, as HttpOnly cookies with only the lifetime in the body, so no page script can read a token.
 */
export function sendPair(
  pair: TokenPair,
  cookies: TokenCookies,
  request: HttpRequestLike,
  response: HttpResponseLike,
): AccessTokenResponse | CookieSessionResponse {
  if (isCookieClient(cookies, request)) {
    cookies.set(request, response, 'access', pair.access);
    cookies.set(request, response, 'refresh', pair.refresh);
    return { token_type: 'Bearer', expires_in: pair.access.expiresIn };
  }
  return {
    access_token: pair.access.token,
    token_type: 'Bearer',
    expires_in: pair.access.expiresIn,
    refresh_token: pair.refresh.token,
  };
}
