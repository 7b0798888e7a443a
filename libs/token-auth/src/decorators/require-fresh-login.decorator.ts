import { SetMetadata } from '@nestjs/common';
import { FRESH_LOGIN_KEY } from './route-metadata.js';

/**
 * Step-up for a sensitive route or controller (RFC 9470): `TokenAuthGuard` refuses a token whose user signed in more
 * than `seconds` ago (default: the module's `freshLoginMaxAge`, 300) (its `auth_time`, which every refresh carries unchanged) with 401, code
 * `insufficient_user_authentication`, `WWW-Authenticate: Bearer error="insufficient_user_authentication",
 * max_age=<seconds>` and `max_age` in the body; the client signs the user in again and retries. A request without a
 * token is refused too, even on an `@OptionalAuth()` route. HTTP routes, GraphQL resolvers and WebSocket handlers
 * (where the socket is closed with 4401 and the code, as for any refused token). Checked without I/O.
 */
export const RequireFreshLogin = (seconds?: number): MethodDecorator & ClassDecorator => {
  if (seconds !== undefined && (!Number.isSafeInteger(seconds) || seconds < 0)) {
    throw new TypeError(`@RequireFreshLogin(seconds): a whole number of seconds, got ${String(seconds)}`);
  }
  // null: the module's freshLoginMaxAge, read when the guard runs.
  return SetMetadata(FRESH_LOGIN_KEY, seconds ?? null);
};
