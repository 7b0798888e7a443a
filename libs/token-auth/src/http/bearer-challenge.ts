import type { TokenAuthError } from '../errors/token-auth.error.js';
import type { HttpResponseLike } from './http-message.js';

/**
 * The RFC 6750 (section 3) challenge of a 401 for `error` under `scheme` (default `Bearer`): the bare scheme when
 * no token was sent, so clients learn the scheme without being told a token was wrong; RFC 9470's `insufficient_user_authentication` with
 * `max_age` for a good token whose login is too old for the route (step-up); otherwise `invalid_token` with the
 * error's public message, which never holds the token (and for a token refused for its key is the bad signature's).
 */
export function bearerChallenge(error: TokenAuthError, scheme = 'Bearer'): string {
  if (error.code === 'token_missing') return scheme;
  // RFC 9470: a good token whose login is too old for the route; max_age is how recent a login must be, in seconds.
  if (error.code === 'insufficient_user_authentication') {
    const maxAge = (error as TokenAuthError & { maxAge?: unknown }).maxAge;
    const age = typeof maxAge === 'number' ? `, max_age=${maxAge}` : '';
    return `${scheme} error="insufficient_user_authentication", error_description="${error.publicMessage}"${age}`;
  }
  return `${scheme} error="invalid_token", error_description="${error.publicMessage}"`;
}

/**
 * Sets the `WWW-Authenticate` challenge on an Express response, a Fastify reply or a Node response, naming `scheme`:
 * the first of the `authorizationSchemes` option.
 */
export function setBearerChallenge(response: HttpResponseLike, error: TokenAuthError, scheme = 'Bearer'): void {
  const challenge = bearerChallenge(error, scheme);
  if (typeof response.header === 'function') response.header('WWW-Authenticate', challenge);
  else response.setHeader?.('WWW-Authenticate', challenge);
}
