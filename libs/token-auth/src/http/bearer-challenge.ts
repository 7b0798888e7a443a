import type { TokenAuthError } from '../errors/token-auth.error.js';
import type { HttpResponseLike } from './http-message.js';

/**
 * The RFC 6750 (section 3) challenge of a 401 for `error`: a bare `Bearer` when no token was sent, so clients
 * learn the scheme without being told a token was wrong; otherwise `invalid_token` with the error's public message,
 * which never holds the token (and for a token refused for its key is the bad signature's).
 */
export function bearerChallenge(error: TokenAuthError): string {
  return error.code === 'token_missing'
    ? 'Bearer'
    : `Bearer error="invalid_token", error_description="${error.publicMessage}"`;
}

/** Sets the `WWW-Authenticate` challenge on an Express response, a Fastify reply or a Node response. */
export function setBearerChallenge(response: HttpResponseLike, error: TokenAuthError): void {
  const challenge = bearerChallenge(error);
  if (typeof response.header === 'function') response.header('WWW-Authenticate', challenge);
  else response.setHeader?.('WWW-Authenticate', challenge);
}
