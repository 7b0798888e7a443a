import { Inject, Injectable } from '@nestjs/common';
import { FreshLoginRequiredError } from '../errors/fresh-login-required.error.js';
import { authTimeOf } from '../format/auth-time.js';
import type { TokenClaims } from '../format/token-claims.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import { REVOCATION_STORE, type RevocationStore } from '../revocation/revocation-store.interface.js';

/**
 * Step-up (RFC 9470): whether the user of a verified token signed in recently enough. Reads the token's login time
 * (`auth_time`, or the login token's own issue time) and the clock tokens are stamped with: no I/O, and nothing on
 * the path of an ordinary verification.
 */
@Injectable()
export class FreshLoginCheck {
  private readonly now: () => number;

  constructor(
    @Inject(TOKEN_AUTH_OPTIONS) private readonly options: ResolvedTokenAuthOptions,
    @Inject(REVOCATION_STORE) revocations: RevocationStore,
  ) {
    this.now = revocations.now?.bind(revocations) ?? options.clock;
  }

  /**
   * Throws `FreshLoginRequiredError` (`insufficient_user_authentication`) past `maxAgeSeconds` (default: the module's
   * `freshLoginMaxAge`) since the login.
   */
  assert(user: Pick<TokenClaims, 'issuedAt' | 'claims'>, maxAgeSeconds = this.options.freshLoginMaxAge): void {
    const authTime = authTimeOf(user);
    if (authTime === 0 || this.now() - authTime > maxAgeSeconds * 1000) {
      throw new FreshLoginRequiredError(maxAgeSeconds);
    }
  }
}
