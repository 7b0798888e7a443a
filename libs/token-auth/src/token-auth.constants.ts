/** Injection token of the validated `ResolvedTokenAuthOptions`. Tokens use `Symbol.for`, so the ESM and CommonJS builds share them when one process loads both. */
export const TOKEN_AUTH_OPTIONS = Symbol.for('nestjs-token-auth:options');
export const IS_PUBLIC_KEY = 'nestjs-token-auth:public';
export const IS_OPTIONAL_AUTH_KEY = 'nestjs-token-auth:optional';
