import type { AuthenticatedUser } from '../format/token-claims.js';

const REQUEST_CLAIMS = Symbol.for('nestjs-token-auth:request-claims');

/**
 * The verified claims of requests whose `user` is the app's own (`resolveUser`), so `@CurrentUser('sub')` and the
 * other fields still read the token. Beside the requests rather than on them (a property added to an Express request
 * costs V8 a new hidden class), and on `globalThis`, so the ESM and CommonJS builds share it.
 */
export const requestClaims: WeakMap<object, AuthenticatedUser> = ((
  globalThis as { [REQUEST_CLAIMS]?: WeakMap<object, AuthenticatedUser> }
)[REQUEST_CLAIMS] ??= new WeakMap());
