/** Route metadata keys the guard reads, set by `@Public()` and `@OptionalAuth()`. */
export const IS_PUBLIC_KEY = 'nestjs-token-auth:public';
export const IS_OPTIONAL_AUTH_KEY = 'nestjs-token-auth:optional';
