import { ServiceUnavailableException, UnauthorizedException, type HttpException } from '@nestjs/common';
import type { TokenAuthError, TokenAuthErrorCode } from './token-auth.error.js';
import { withoutStackTrace } from './without-stack-trace.js';

/**
 * Step-up (`insufficient_user_authentication`): the `max_age` its challenge carries, in the body too, for clients
 * that cannot read headers (GraphQL's error extensions, `fetch` across origins without exposed headers).
 */
function maxAgeOf(error: TokenAuthError): { max_age?: number } {
  const maxAge = (error as TokenAuthError & { maxAge?: unknown }).maxAge;
  return typeof maxAge === 'number' ? { max_age: maxAge } : {};
}

/** Codes where the server, not the token, is at fault. */
const SERVER_FAULTS: ReadonlySet<TokenAuthErrorCode> = new Set(['key_ring_stale', 'revocation_unavailable']);

/**
 * The HTTP answer to a refused token, with its stable `code` in the body (the error's `publicCode` and
 * `publicMessage`: a token refused for its key is answered as a bad signature): 401, or 503 for a stale key ring or an
 * unreachable revocation store, so clients retry instead of logging out. For routes that verify or refresh tokens
 * themselves, such as a refresh endpoint; the guard answers the same way. Like the error, the exception carries no
 * stack frames: Nest answers an HttpException without logging it, and its stack cost more than the verification.
 */
export function toHttpException(error: TokenAuthError): HttpException {
  return withoutStackTrace(() => {
    const body = { code: error.publicCode, message: error.publicMessage, ...maxAgeOf(error) };
    return SERVER_FAULTS.has(error.code)
      ? new ServiceUnavailableException({ statusCode: 503, error: 'Service Unavailable', ...body })
      : new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', ...body });
  });
}
