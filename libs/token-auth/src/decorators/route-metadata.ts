/** Route metadata keys the guard reads, set by `@Public()`, `@OptionalAuth()` and `@RequireFreshLogin()`. */
export const IS_PUBLIC_KEY = 'nestjs-token-auth:public';
export const IS_OPTIONAL_AUTH_KEY = 'nestjs-token-auth:optional';
export const FRESH_LOGIN_KEY = 'nestjs-token-auth:fresh-login';
