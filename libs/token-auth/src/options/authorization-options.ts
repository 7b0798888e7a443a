import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import type { AuthenticatedUser } from '../format/token-claims.js';
import { AuthorizationSchemes, DEFAULT_AUTHORIZATION_SCHEMES } from '../http/authorization-header.js';

/**
 * The app's own user for a verified token, looked up once per request by the guard (`resolveUser`): what
 * `@CurrentUser()` then hands the handler. May return a promise; `undefined` or `null` (no such user) refuses the
 * request with 401 `unknown_user`, and an exception it throws (an `UnauthorizedException`, a 503 of its own) is
 * answered as it is. `request` is the HTTP request, the request of a GraphQL operation or the WebSocket.
 */
export type ResolveUser = (claims: AuthenticatedUser, request: object) => unknown;

/** A scheme is an RFC 9110 token (section 5.6.2). */
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Checks `authorizationSchemes` once, at bootstrap: a non-empty list of distinct schemes, in any case. */
export function resolveAuthorizationSchemes(value: unknown): AuthorizationSchemes {
  const schemes = value ?? DEFAULT_AUTHORIZATION_SCHEMES;
  if (!Array.isArray(schemes) || schemes.length === 0) {
    throw new TokenAuthConfigError(
      `authorizationSchemes must be a non-empty list of schemes, such as ['Bearer'] or ['Token', 'Bearer'], got ${String(value)}`,
    );
  }
  const seen = new Set<string>();
  for (const scheme of schemes as unknown[]) {
    if (typeof scheme !== 'string' || !SCHEME.test(scheme)) {
      throw new TokenAuthConfigError(
        `authorizationSchemes: ${JSON.stringify(scheme)} is not a scheme name (letters, digits and !#$%&'*+-.^_\`|~)`,
      );
    }
    if (seen.has(scheme.toLowerCase())) {
      throw new TokenAuthConfigError(`authorizationSchemes lists "${scheme}" twice (schemes are case-insensitive)`);
    }
    seen.add(scheme.toLowerCase());
  }
  return new AuthorizationSchemes([...(schemes as string[])]);
}

/** Checks `resolveUser` once, at bootstrap. */
export function resolveUserOption(value: unknown): ResolveUser | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TokenAuthConfigError(
      `resolveUser must be a function (claims, request) returning your user or a promise of it, got ${typeof value}`,
    );
  }
  return value as ResolveUser | undefined;
}
