import type { TokenAuthModuleOptions } from 'nestjs-token-auth';
import type { UsersService } from './users.service';

/** 60 days, as the RealWorld ("Conduit") API's tokens lived: its clients have no refresh flow. */
export const TOKEN_LIFETIME = 60 * 24 * 60 * 60;

/**
 * The options this app and its unit specs share: RealWorld clients send `Authorization: Token <token>` (Bearer is
 * kept for new clients), and `@CurrentUser()` is the app's own user, loaded once per request.
 */
export function authOptions(
  users: UsersService,
): Pick<TokenAuthModuleOptions, 'authorizationSchemes' | 'accessTokenTtl' | 'maxAccessTokenTtl' | 'resolveUser'> {
  return {
    authorizationSchemes: ['Token', 'Bearer'],
    accessTokenTtl: TOKEN_LIFETIME,
    maxAccessTokenTtl: TOKEN_LIFETIME,
    resolveUser: (claims) => users.findById(claims.sub),
  };
}
