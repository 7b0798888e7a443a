import type { EffectiveCaveats } from './effective-caveats.js';
import type { TokenPurposeName } from './token-format.js';

/** What a verified token says. Times are milliseconds since the Unix epoch, the scale of `Date.now()`. */
export interface TokenClaims {
  /** The subject: the user id given to `issue`. */
  readonly sub: string;
  /** The token id (its nonce), base64url. */
  readonly jti: string;
  /** The session id shared by every token descended from one login, base64url. */
  readonly sid: string;
  readonly purpose: TokenPurposeName;
  /** Id of the key that signed the token. */
  readonly kid: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** The small claims given to `issue`, or an empty object. */
  readonly claims: Readonly<Record<string, unknown>>;
  /**
   * An attenuated token's caveats, taken together (docs/token-format.md, section 9); absent for a token without
   * caveats. `expiresAt` above is already the earlier of the token's own expiry and its expires caveats'.
   */
  readonly caveats?: EffectiveCaveats;
}

/** The user a guarded request carries: the verified claims of its token. */
export type AuthenticatedUser = TokenClaims;
