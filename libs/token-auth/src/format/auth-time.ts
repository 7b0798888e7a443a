import type { TokenClaims } from './token-claims.js';

/**
 * The claims member that carries the login time (OpenID Connect's `auth_time`: whole seconds since the epoch) in
 * tokens that are not themselves the login's: pairs made by `refresh`, and tokens `issue`d to continue a session.
 * A login's own tokens leave it out, because their `iat` is the login time: access tokens stay as small as before
 * (docs/token-format.md, section 3.1). 0 means "not known": no freshness check accepts it.
 */
export const AUTH_TIME_CLAIM = 'auth_time';

/**
 * When the user of this token last proved who they are (ms since the epoch): the `auth_time` member when the token
 * carries one (seconds, so up to 999 ms earlier than the login), else the token's own issue time. A malformed
 * member reads as 0, which no freshness check accepts. Reads the verified claims only: no I/O, nothing on the path
 * of `verify`.
 */
export function authTimeOf(claims: Pick<TokenClaims, 'issuedAt' | 'claims'>): number {
  if (!Object.hasOwn(claims.claims, AUTH_TIME_CLAIM)) return claims.issuedAt;
  const seconds = claims.claims[AUTH_TIME_CLAIM];
  return typeof seconds === 'number' && Number.isSafeInteger(seconds) && seconds >= 0 ? seconds * 1000 : 0;
}

/**
 * `claims` with the login time written in, for a token that is not the login's own. Throws a TypeError when the
 * app's claims already hold the member: the library sets it.
 */
export function withAuthTime(
  claims: Readonly<Record<string, unknown>> | undefined,
  authTimeMs: number,
): Record<string, unknown> {
  rejectAuthTimeClaim(claims);
  return { ...claims, [AUTH_TIME_CLAIM]: Math.floor(authTimeMs / 1000) };
}

/** App claims may not set `auth_time`: the library writes it, from the session's login. */
export function rejectAuthTimeClaim(claims: Readonly<Record<string, unknown>> | undefined): void {
  if (claims !== undefined && claims !== null && typeof claims === 'object' && Object.hasOwn(claims, AUTH_TIME_CLAIM)) {
    throw new TypeError(
      `claims.${AUTH_TIME_CLAIM} is set by the library (the session's login time); remove it from the claims`,
    );
  }
}

/** The app's claims of a token: what it carries without the library's `auth_time`. */
export function appClaimsOf(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { [AUTH_TIME_CLAIM]: _authTime, ...rest } = claims;
  return rest;
}
