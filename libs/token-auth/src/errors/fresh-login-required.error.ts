import { TokenAuthError } from './token-auth.error.js';

/**
 * A route wants a login more recent than the token's (`@RequireFreshLogin(seconds)`): RFC 9470's
 * `insufficient_user_authentication`, answered 401 with `WWW-Authenticate: Bearer
 * error="insufficient_user_authentication", max_age=<seconds>` and `max_age` in the body, so the client signs the
 * user in again and retries with the new token.
 */
export class FreshLoginRequiredError extends TokenAuthError {
  constructor(readonly maxAge: number) {
    super('insufficient_user_authentication', `this action needs a sign-in within the last ${maxAge} seconds`);
  }
}
