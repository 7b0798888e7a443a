/** Injection token of the validated `ResolvedTokenAuthOptions`. */
export const TOKEN_AUTH_OPTIONS = Symbol('nestjs-token-auth:options');
export const IS_PUBLIC_KEY = 'nestjs-token-auth:public';
export const IS_OPTIONAL_AUTH_KEY = 'nestjs-token-auth:optional';
